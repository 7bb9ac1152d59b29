extension Duration {
    /// The duration in seconds, fractions included (for rates, delays and simulated time).
    public var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
