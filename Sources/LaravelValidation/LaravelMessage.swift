/// Laravel's validation messages, in one place for every route: a field named `connector_id`
/// reads "connector id".
public enum LaravelMessage {
    public static func required(_ field: String) -> String { "The \(name(field)) field is required." }
    public static func string(_ field: String) -> String { "The \(name(field)) field must be a string." }
    public static func integer(_ field: String) -> String { "The \(name(field)) field must be an integer." }
    public static func atLeast(_ field: String, _ minimum: Int) -> String { "The \(name(field)) field must be at least \(minimum)." }
    public static func present(_ field: String) -> String { "The \(name(field)) field must be present." }
    public static func array(_ field: String) -> String { "The \(name(field)) field must be an array." }

    /// Laravel's displayable attribute: `str_replace('_', ' ', Str::snake($attribute))`, so
    /// `userId` reads "user id" too.
    public static func name(_ field: String) -> String {
        var snake = ""
        for character in field {
            if character.isUppercase, !snake.isEmpty, snake.last != "_" { snake.append("_") }
            snake.append(contentsOf: character.lowercased())
        }
        return snake.replacingOccurrences(of: "_", with: " ")
    }
}
