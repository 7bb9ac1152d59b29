import Messages

extension Phone {
    struct Match: Sendable {
        var indices: [Int]
        var captures: [String: JSONValue]
    }

    /// The untaken messages from `start` on that match: `needed` of the one pattern, or each
    /// pattern once in order. Nil until enough have arrived.
    func match(_ patterns: [Pattern], inOrder: Bool, needed: Int, from start: Int = 0, variables: Variables) -> Match? {
        var captures: [String: JSONValue] = [:]
        var indices: [Int] = []
        if inOrder {
            var next = start
            for pattern in patterns {
                guard let found = (next..<inbox.count).first(where: { index in
                    guard !inbox[index].taken else { return false }
                    var scratch = captures
                    guard pattern.match(inbox[index].json, variables: variables, captures: &scratch) == nil else { return false }
                    captures = scratch
                    return true
                }) else { return nil }
                indices.append(found)
                next = found + 1
            }
            return Match(indices: indices, captures: captures)
        }
        for index in start..<max(start, inbox.count) where !inbox[index].taken {
            var scratch = captures
            if patterns[0].match(inbox[index].json, variables: variables, captures: &scratch) == nil {
                if indices.isEmpty { captures = scratch }
                indices.append(index)
            }
        }
        return indices.count >= needed ? Match(indices: indices, captures: captures) : nil
    }

    /// Every message since the phone opened (taken or not) that matches.
    func everMatching(_ pattern: Pattern, variables: Variables) -> [String] {
        inbox.filter { received in
            var scratch: [String: JSONValue] = [:]
            return pattern.match(received.json, variables: variables, captures: &scratch) == nil
        }.map(\.text)
    }

    /// The last untaken messages with why each does not match, for a failure's report.
    func nearMisses(_ pattern: Pattern, variables: Variables, limit: Int = 8) -> [String] {
        let untaken = inbox.filter { !$0.taken }.suffix(limit)
        return untaken.map { received in
            var scratch: [String: JSONValue] = [:]
            let why = pattern.match(received.json, variables: variables, captures: &scratch).map { " <- \($0)" } ?? ""
            return Pattern.describe(received.json ?? .string(received.text)) + why
        }
    }

    /// The first untaken `response` or `error` from `start` on.
    func firstAnswer(from start: Int) -> Int? {
        (start..<max(start, inbox.count)).first { index in
            guard !inbox[index].taken else { return false }
            let type = inbox[index].json?["type"]?.stringValue
            return type == MessageType.response.rawValue || type == MessageType.error.rawValue
        }
    }

    func message(at index: Int) -> Received? { inbox.indices.contains(index) ? inbox[index] : nil }

    var lastClose: Close? { closes.last }
}
