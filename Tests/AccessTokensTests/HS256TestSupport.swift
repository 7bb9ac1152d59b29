import Foundation

/// An independent HMAC-SHA256 (via openssl) so the tests do not check the code with itself.
enum HS256TestSupport {
    static func hmac(_ input: String, secret: String) -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = ["dgst", "-sha256", "-hmac", secret, "-binary"]
        let stdin = Pipe(), stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        try! process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try! stdin.fileHandleForWriting.close()
        let mac = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return mac.base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }
}
