import Foundation

/// Bad input: a file, a key or an option. Exit code 2, nothing written.
struct InputError: Error, CustomStringConvertible {
    let message: String
    init(_ message: String) { self.message = message }
    var description: String { message }
}

/// A solve that did not finish. Exit code 3; files of finished runs are kept.
struct SolveFailure: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}

/// Writes a line to standard error.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
