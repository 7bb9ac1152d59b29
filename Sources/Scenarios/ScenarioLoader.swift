import Foundation
import Messages
import Yams

/// Reads scenario files. Everything is checked before anything runs: a key that is not known,
/// a value of the wrong type, a phone that is not declared, each fails with its place in the
/// file and what was expected there.
public enum ScenarioLoader {
    /// The `.yaml`/`.yml` files of each path (a folder's files sorted by name), loaded.
    public static func load(paths: [String]) throws -> [Scenario] {
        var files: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw ScenarioFileError(SourceLocation(file: path, line: 1, column: 1), "no such file or folder")
            }
            if isDirectory.boolValue {
                let names = try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
                files += names.sorted().map { (path as NSString).appendingPathComponent($0) }
            } else {
                files.append(path)
            }
        }
        return try files.map { file in
            let text = try String(contentsOfFile: file, encoding: .utf8)
            return try parse(text, file: file)
        }
    }

    /// - Parameter environment: what `${NAME}` in `stack:` reads.
    public static func parse(_ yaml: String, file: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Scenario {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: yaml) else {
                throw ScenarioFileError(SourceLocation(file: file, line: 1, column: 1), "the file is empty: expected a scenario with name, phones and steps")
            }
            root = node
        } catch let error as YamlError {
            throw Self.yamlError(error, file: file)
        }
        return try ScenarioReader(file: file, environment: environment).scenario(YAMLNode(node: root, file: file))
    }

    static func yamlError(_ error: YamlError, file: String) -> ScenarioFileError {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return ScenarioFileError(SourceLocation(file: file, line: mark.line, column: mark.column), "not valid YAML: \(problem)")
        default:
            return ScenarioFileError(SourceLocation(file: file, line: 1, column: 1), "not valid YAML: \(error)")
        }
    }
}

/// The reading of one file.
struct ScenarioReader {
    let file: String

    static let scenarioKeys = ["name", "description", "stack", "seed", "clock", "timeout", "phones", "steps", "tags"]
    /// What `${NAME}` in `stack:` reads.
    var environment: [String: String]

    func scenario(_ root: YAMLNode) throws -> Scenario {
        let pairs = try root.mapping("a scenario")
        var scenario = Scenario(name: (file as NSString).lastPathComponent, file: file)
        var phonesSeen = false
        var stepsNode: YAMLNode?
        for pair in pairs {
            switch pair.key {
            case "name": scenario.name = try pair.value.string("the scenario's name")
            case "description": scenario.description = try pair.value.string("a description")
            case "seed":
                let seed = try pair.value.int("the seed")
                guard seed >= 0 else { throw pair.value.error("expected the seed (a whole number of 0 or more)") }
                scenario.seed = UInt64(seed)
            case "clock": scenario.clock = try clock(pair.value)
            case "stack": scenario.stack = try stack(pair.value)
            case "timeout": scenario.timeout = try pair.value.duration("the wall-clock timeout")
            case "tags": scenario.tags = try pair.value.sequence("tags").map { try $0.string("a tag") }
            case "phones":
                phonesSeen = true
                scenario.phones = try pair.value.mapping("the phones (name: {user: 123})").map { try phone($0.key, $0.value) }
            case "steps": stepsNode = pair.value
            default: throw pair.keyNode.error(unknownKey(pair.key, known: Self.scenarioKeys, in: "a scenario"))
            }
        }
        guard let stepsNode else { throw root.error("expected `steps:`, the list of what the scenario does") }
        let phones = Set(scenario.phones.map(\.name))
        scenario.steps = try stepsNode.sequence("the steps").map { try step($0, phones: phones) }
        if !phonesSeen, scenario.steps.contains(where: \.usesPhone) {
            throw stepsNode.error("steps use a phone, but the scenario declares no `phones:`")
        }
        return scenario
    }

    func clock(_ node: YAMLNode) throws -> ClockSetting {
        if node.isScalar {
            switch try node.string("the clock") {
            case "paused": return ClockSetting(paused: true)
            case "running": return ClockSetting(paused: false)
            default: throw node.error("expected the clock: paused, running, or {paused, speed, start}")
            }
        }
        var setting = ClockSetting()
        for pair in try node.mapping("the clock") {
            switch pair.key {
            case "paused": setting.paused = try pair.value.bool("whether the clock starts paused")
            case "speed":
                setting.speed = try pair.value.double("the speed")
                guard setting.speed > 0 else { throw pair.value.error("expected a speed above 0") }
            case "start":
                let text = try pair.value.string("the start time")
                guard Timestamp.date(from: text) != nil else { throw pair.value.error("expected an ISO-8601 time such as 2026-01-05T08:00:00Z") }
                setting.start = text
            default: throw pair.keyNode.error(unknownKey(pair.key, known: ["paused", "speed", "start"], in: "the clock"))
            }
        }
        return setting
    }

    static let stackKeys = ["gateway", "backend", "sim", "redis", "jwt_secret", "cms_secret", "reset"]

    func stack(_ node: YAMLNode) throws -> StackSetting {
        if node.isScalar {
            guard try node.string("the stack") == "local" else {
                throw node.error("expected the stack: local, or {gateway: ws://..., backend: http://...}")
            }
            return .local
        }
        var values: [String: String] = [:]
        var reset = true
        for pair in try node.mapping("the stack") {
            switch pair.key {
            case "reset": reset = try pair.value.bool("whether to reset the stack before the scenario")
            case "gateway", "backend", "sim", "redis", "jwt_secret", "cms_secret":
                let value = try fromEnvironment(try pair.value.string("the \(pair.key)"), at: pair.value)
                let schemes = switch pair.key {
                case "gateway": ["ws://", "wss://"]
                case "redis": ["redis://", "rediss://"]
                case "backend", "sim": ["http://", "https://"]
                default: [String]()
                }
                guard schemes.isEmpty || schemes.contains(where: value.hasPrefix) else {
                    throw pair.value.error("expected the \(pair.key)'s URL (\(schemes.joined(separator: " or "))...), found \(value)")
                }
                values[pair.key] = value
            default: throw pair.keyNode.error(unknownKey(pair.key, known: Self.stackKeys, in: "the stack"))
            }
        }
        guard let gateway = values["gateway"], let backend = values["backend"] else {
            throw node.error("expected the running stack's `gateway:` and `backend:` URLs (or `stack: local`)")
        }
        var running = RunningStack(gateway: gateway, backend: backend)
        (running.sim, running.redis) = (values["sim"], values["redis"])
        (running.jwtSecret, running.cmsSecret, running.reset) = (values["jwt_secret"], values["cms_secret"], reset)
        return .running(running)
    }

    /// `${NAME}` replaced by the environment's NAME: the URLs and secrets a CI job sets.
    func fromEnvironment(_ text: String, at node: YAMLNode) throws -> String {
        var result = ""
        var rest = Substring(text)
        while let open = rest.range(of: "${") {
            guard let close = rest[open.upperBound...].firstIndex(of: "}") else { throw node.error("`${` without its `}` in \(text)") }
            let name = String(rest[open.upperBound..<close])
            guard let value = environment[name], !value.isEmpty else {
                throw node.error("\(name) is not set in the environment (the scenario reads it as ${\(name)})")
            }
            result += rest[..<open.lowerBound] + value
            rest = rest[rest.index(after: close)...]
        }
        return result + rest
    }

    func phone(_ name: String, _ node: YAMLNode) throws -> PhoneSpec {
        var user: Int?
        var ttl = 86_400.0
        var login: (String, String)?
        var token: String?
        var reconnect = false
        for pair in try node.mapping("a phone ({user: 123} or {login: demo@example.com})") {
            switch pair.key {
            case "user": user = try pair.value.int("the user id")
            case "token_ttl": ttl = try pair.value.duration("the token's lifetime")
            case "login":
                if pair.value.isScalar {
                    login = (try pair.value.string("the email"), "password")
                } else {
                    var email: String?
                    var password = "password"
                    for field in try pair.value.mapping("the login") {
                        switch field.key {
                        case "email": email = try field.value.string("the email")
                        case "password": password = try field.value.string("the password")
                        default: throw field.keyNode.error(unknownKey(field.key, known: ["email", "password"], in: "a login"))
                        }
                    }
                    guard let email else { throw pair.value.error("expected `email:` in the login") }
                    login = (email, password)
                }
            case "token": token = try pair.value.string("the token")
            case "reconnect": reconnect = try pair.value.bool("whether the phone reconnects")
            default: throw pair.keyNode.error(unknownKey(pair.key, known: ["user", "token_ttl", "login", "token", "reconnect"], in: "a phone"))
            }
        }
        let credentials: PhoneSpec.Credentials
        switch (user, login, token) {
        case (let user?, nil, nil): credentials = .minted(userID: user, ttl: ttl)
        case (nil, let login?, nil): credentials = .login(email: login.0, password: login.1)
        case (nil, nil, let token?): credentials = .token(token)
        default: throw node.error("expected exactly one of `user:`, `login:` or `token:` for phone \(name)")
        }
        return PhoneSpec(name: name, credentials: credentials, reconnect: reconnect, location: node.location)
    }

    // MARK: Steps

    static let stepKinds = [
        "open", "close", "send", "expect", "expect_none", "expect_close", "advance", "pause", "resume", "speed",
        "http", "parallel", "repeat", "sleep",
    ] + ChargerStep.Command.allCases.map(\.rawValue) + ProgramStep.Command.allCases.map(\.rawValue)

    func step(_ node: YAMLNode, phones: Set<String>) throws -> Step {
        if node.isScalar {
            let word = try node.string("a step")
            switch word {
            case "pause": return Step(.pause, location: node.location, title: "pause the clock")
            case "resume": return Step(.resume, location: node.location, title: "resume the clock")
            default: throw node.error("expected a step: `pause`, `resume`, or a mapping such as `send: {...}` (one of \(Self.stepKinds.joined(separator: ", ")))")
            }
        }
        let pairs = try node.mapping("a step")
        var title: String?
        var kindPair: (key: String, keyNode: YAMLNode, value: YAMLNode)?
        var expectPair: YAMLNode?
        for pair in pairs {
            if pair.key == "name" {
                title = try pair.value.string("the step's name")
            } else if pair.key == "expect", kindPair?.key == "send" || pairs.contains(where: { $0.key == "send" }) {
                expectPair = pair.value
            } else if Self.stepKinds.contains(pair.key) {
                if let kindPair { throw pair.keyNode.error("one step does one thing: `\(kindPair.key)` and `\(pair.key)` are two steps") }
                kindPair = pair
            } else {
                throw pair.keyNode.error(unknownKey(pair.key, known: Self.stepKinds + ["name"], in: "a step"))
            }
        }
        guard let kindPair else { throw node.error("expected a step: one of \(Self.stepKinds.joined(separator: ", "))") }
        let value = kindPair.value
        func phoneName(_ node: YAMLNode) throws -> String {
            let name = try node.string("a phone's name")
            guard phones.contains(name) else {
                throw node.error("no phone named \(name) (declared: \(phones.sorted().joined(separator: ", ")))")
            }
            return name
        }
        let location = node.location
        func make(_ action: StepAction, _ summary: String) -> Step { Step(action, location: location, title: title ?? summary) }

        switch kindPair.key {
        case "open":
            if value.isScalar {
                let phone = try phoneName(value)
                return make(.open(OpenStep(phone: phone)), "open \(phone)")
            }
            var phone: String?
            var refused: ClosePattern?
            for pair in try value.mapping("what to open") {
                switch pair.key {
                case "phone": phone = try phoneName(pair.value)
                case "refused": refused = try closePattern(pair.value)
                default: throw pair.keyNode.error(unknownKey(pair.key, known: ["phone", "refused"], in: "open"))
                }
            }
            guard let phone else { throw value.error("expected `phone:`") }
            return make(.open(OpenStep(phone: phone, refused: refused)), refused == nil ? "open \(phone)" : "open \(phone), refused \(refused!.summary)")
        case "close":
            let phone = try phoneName(value)
            return make(.close(phone: phone), "close \(phone)")
        case "send":
            var send = SendStep(phone: "")
            var phoneSeen = false
            for pair in try value.mapping("what to send") {
                switch pair.key {
                case "phone": send.phone = try phoneName(pair.value); phoneSeen = true
                case "action": send.action = try pair.value.string("the action")
                case "data": send.data = try pair.value.json()
                case "raw": send.raw = try pair.value.string("the raw text frame")
                default: send.extra[pair.key] = try pair.value.json()
                }
            }
            guard phoneSeen else { throw value.error("expected `phone:`, the phone that sends") }
            guard (send.action == nil) != (send.raw == nil) else { throw value.error("expected `action:` (with `data:`) or `raw:`, one of them") }
            if let expectPair { send.expect = try pattern(expectPair) }
            return make(.send(send), send.action.map { "send \($0) (\(send.phone))" } ?? "send raw text (\(send.phone))")
        case "expect":
            return try expect(value, phoneName: phoneName, make: make)
        case "expect_none":
            var phone: String?
            var message: Pattern?
            var within = 0.2
            for pair in try value.mapping("what must not arrive") {
                switch pair.key {
                case "phone": phone = try phoneName(pair.value)
                case "message": message = try pattern(pair.value)
                case "within": within = try pair.value.duration("how long to watch")
                default: throw pair.keyNode.error(unknownKey(pair.key, known: ["phone", "message", "within"], in: "expect_none"))
                }
            }
            guard let phone, let message else { throw value.error("expected `phone:` and `message:`") }
            return make(.expectNone(ExpectNoneStep(phone: phone, pattern: message, within: within)), "expect no \(message.summary) on \(phone)")
        case "expect_close":
            var phone: String?
            var close = ClosePattern()
            var within: Double?
            var timeout: Double?
            for pair in try value.mapping("the close to expect") {
                switch pair.key {
                case "phone": phone = try phoneName(pair.value)
                case "code": close.code = try pair.value.int("the close code")
                case "reason": close.reason = try pair.value.string("the close reason")
                case "within": within = try pair.value.duration("the simulated time it may take")
                case "timeout": timeout = try pair.value.duration("the wall-clock timeout")
                default: throw pair.keyNode.error(unknownKey(pair.key, known: ["phone", "code", "reason", "within", "timeout"], in: "expect_close"))
                }
            }
            guard let phone else { throw value.error("expected `phone:`") }
            return make(.expectClose(ExpectCloseStep(phone: phone, close: close, within: within, timeout: timeout)), "expect \(phone) closed \(close.summary)")
        case "advance":
            let seconds = try value.duration("how much simulated time to advance")
            return make(.advance(seconds), "advance the clock \(DurationText.describe(seconds))")
        case "pause": return make(.pause, "pause the clock")
        case "resume": return make(.resume, "resume the clock")
        case "speed":
            let speed = try value.double("the speed")
            guard speed > 0 else { throw value.error("expected a speed above 0") }
            return make(.speed(speed), "clock speed \(speed)x")
        case "sleep":
            let seconds = try value.duration("how long to sleep")
            return make(.sleep(seconds), "sleep \(DurationText.describe(seconds))")
        case "http":
            return try http(value, phoneName: phoneName, make: make)
        case "parallel":
            let steps = try value.sequence("the steps to run at once").map { try step($0, phones: phones) }
            return make(.parallel(steps), "in parallel: " + steps.map(\.title).joined(separator: " | "))
        case "repeat":
            var times: Int?
            var steps: [Step] = []
            for pair in try value.mapping("what to repeat") {
                switch pair.key {
                case "times": times = try pair.value.int("how many times")
                case "steps": steps = try pair.value.sequence("the steps").map { try step($0, phones: phones) }
                default: throw pair.keyNode.error(unknownKey(pair.key, known: ["times", "steps"], in: "repeat"))
                }
            }
            guard let times, times >= 0, !steps.isEmpty else { throw value.error("expected `times:` (0 or more) and `steps:`") }
            return make(.repeat(times: times, steps: steps), "repeat \(times) times")
        case let key where ChargerStep.Command(rawValue: key) != nil:
            return try charger(ChargerStep.Command(rawValue: key)!, value, make: make)
        case let key where ProgramStep.Command(rawValue: key) != nil:
            let name = try value.string("a program (gateway, backend, redis, charger-sim)")
            guard let program = ProgramName.aliases[name] else {
                throw value.error("expected a program: \(ProgramName.aliases.keys.sorted().joined(separator: ", "))")
            }
            return make(.program(ProgramStep(command: ProgramStep.Command(rawValue: key)!, program: program)), "\(key) \(name)")
        default:
            throw kindPair.keyNode.error("unknown step \(kindPair.key)")
        }
    }

    func expect(_ value: YAMLNode, phoneName: (YAMLNode) throws -> String, make: (StepAction, String) -> Step) throws -> Step {
        var step = ExpectStep(phone: "", patterns: [])
        for pair in try value.mapping("what to expect") {
            switch pair.key {
            case "phone": step.phone = try phoneName(pair.value)
            case "message": step.patterns = [try pattern(pair.value)]
            case "in_order":
                step.patterns = try pair.value.sequence("the messages, in the order they must arrive").map(pattern)
                step.inOrder = true
            case "count":
                step.count = try pair.value.int("how many")
            case "at_least":
                step.atLeast = try pair.value.int("how many at least")
            case "within": step.within = try pair.value.duration("the simulated time it may take")
            case "timeout": step.timeout = try pair.value.duration("the wall-clock timeout")
            default:
                throw pair.keyNode.error(unknownKey(pair.key, known: ["phone", "message", "in_order", "count", "at_least", "within", "timeout"], in: "expect"))
            }
        }
        guard !step.phone.isEmpty else { throw value.error("expected `phone:`, the phone that receives") }
        guard !step.patterns.isEmpty else { throw value.error("expected `message:` (one message) or `in_order:` (a list)") }
        if step.inOrder, step.count != nil || step.atLeast != nil {
            throw value.error("`in_order:` lists each message once: `count:` and `at_least:` go with `message:`")
        }
        let what = step.patterns.count == 1 ? step.patterns[0].summary : "\(step.patterns.count) messages in order"
        let times = step.count.map { " x\($0)" } ?? step.atLeast.map { " x\($0)+" } ?? ""
        return make(.expect(step), "expect \(what)\(times) on \(step.phone)")
    }

    func http(_ value: YAMLNode, phoneName: (YAMLNode) throws -> String, make: (StepAction, String) -> Step) throws -> Step {
        var step = HTTPStep(url: "")
        for pair in try value.mapping("the request") {
            switch pair.key {
            case "method": step.method = try pair.value.string("the method").uppercased()
            case "url": step.url = try pair.value.string("the URL (${backend}/api/...)")
            case "headers":
                for header in try pair.value.mapping("the headers") { step.headers[header.key] = try header.value.string("a header's value") }
            case "body": step.body = try pair.value.json()
            case "as": step.asPhone = try phoneName(pair.value)
            case "status": step.status = pair.value.node.null != nil ? nil : try pair.value.int("the status (null: any)")
            case "expect": step.expect = try pattern(pair.value)
            case "eventually": step.eventually = try pair.value.duration("how long to retry")
            default:
                throw pair.keyNode.error(unknownKey(pair.key, known: ["method", "url", "headers", "body", "as", "status", "expect", "eventually"], in: "http"))
            }
        }
        guard !step.url.isEmpty else { throw value.error("expected `url:`") }
        return make(.http(step), "\(step.method) \(step.url)")
    }

    func charger(_ command: ChargerStep.Command, _ value: YAMLNode, make: (StepAction, String) -> Step) throws -> Step {
        var step = ChargerStep(command: command, charger: "")
        if value.isScalar {
            step.charger = try value.string("a charger id")
        } else {
            for pair in try value.mapping("the charger") {
                switch pair.key {
                case "charger": step.charger = try pair.value.string("the charger id")
                case "connector": step.connector = try pair.value.int("the connector")
                case "accepted": step.accepted = try pair.value.bool("whether charger-sim accepts it")
                default: step.body[pair.key] = try pair.value.json()
                }
            }
        }
        guard !step.charger.isEmpty else { throw value.error("expected `charger:`") }
        if command.needsConnector, step.connector == nil { throw value.error("expected `connector:` for \(command.rawValue)") }
        let target = step.connector.map { "\(step.charger)/\($0)" } ?? step.charger
        return make(.charger(step), "\(command.rawValue) \(target)")
    }

    func closePattern(_ node: YAMLNode) throws -> ClosePattern {
        var close = ClosePattern()
        for pair in try node.mapping("a close ({code, reason})") {
            switch pair.key {
            case "code": close.code = try pair.value.int("the close code")
            case "reason": close.reason = try pair.value.string("the reason")
            default: throw pair.keyNode.error(unknownKey(pair.key, known: ["code", "reason"], in: "a close"))
            }
        }
        return close
    }

    // MARK: Patterns

    static let matcherTags = ["any", "number", "integer", "string", "bool", "timestamp", "absent", "capture", "between", "at_least", "at_most", "regex", "contains", "one_of"]

    func pattern(_ node: YAMLNode) throws -> Pattern {
        if let tag = node.customTag {
            switch tag {
            case "any": return .any
            case "number": return .number
            case "integer": return .integer
            case "string": return .string
            case "bool": return .bool
            case "timestamp": return .timestamp
            case "absent": return .absent
            case "capture":
                let name = try node.taggedText("the name to capture as (!capture session_id)")
                guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." }) else {
                    throw node.error("expected a name of letters, digits and _ to capture as")
                }
                return .capture(name, .any)
            case "between":
                let bounds = try node.sequence("two numbers (!between [10.9, 11.1])")
                guard bounds.count == 2 else { throw node.error("expected two numbers: !between [low, high]") }
                return .between(try bounds[0].double("the low bound"), try bounds[1].double("the high bound"))
            case "at_least": return .atLeast(try node.double("a number"))
            case "at_most": return .atMost(try node.double("a number"))
            case "regex":
                let expression = try node.taggedText("a regular expression")
                guard (try? NSRegularExpression(pattern: expression)) != nil else { throw node.error("not a valid regular expression: \(expression)") }
                return .regex(expression)
            case "contains":
                return .contains(try untagged(node))
            case "one_of":
                return .oneOf(try node.sequence("the choices").map(pattern))
            default:
                throw node.error("unknown matcher !\(tag) (known: \(Self.matcherTags.map { "!" + $0 }.joined(separator: ", ")))")
            }
        }
        switch node.node {
        case .mapping:
            var fields: [String: Pattern] = [:]
            for pair in try node.mapping("an object") { fields[pair.key] = try pattern(pair.value) }
            return .object(fields)
        case .sequence:
            return .array(try node.sequence("an array").map(pattern))
        default:
            return .literal(node.scalarValue)
        }
    }

    /// The node read as a pattern with its tag ignored (the inside of `!contains`).
    func untagged(_ node: YAMLNode) throws -> Pattern {
        switch node.node {
        case .mapping:
            var fields: [String: Pattern] = [:]
            for pair in try node.mapping("an object") { fields[pair.key] = try pattern(pair.value) }
            return .object(fields)
        case .sequence: return .array(try node.sequence("an array").map(pattern))
        default: return .literal(node.scalarValue)
        }
    }

    func unknownKey(_ key: String, known: [String], in place: String) -> String {
        let close = known.min { Self.distance($0, key) < Self.distance($1, key) }
        let hint = close.flatMap { Self.distance($0, key) <= 2 ? " (did you mean `\($0)`?)" : nil } ?? ""
        return "unknown key `\(key)` in \(place)\(hint); expected one of: \(known.joined(separator: ", "))"
    }

    /// Levenshtein distance, for "did you mean".
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        var previous = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in stride(from: 1, through: b.count, by: 1) {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return a.isEmpty ? b.count : previous[b.count]
    }
}

extension Step {
    var usesPhone: Bool {
        switch action {
        case .open, .close, .send, .expect, .expectNone, .expectClose: true
        case .parallel(let steps), .repeat(_, let steps): steps.contains(where: \.usesPhone)
        case .http(let http): http.asPhone != nil
        default: false
        }
    }
}
