import Experiments
import FlowModel
import Foundation

/// Bad input: a file, a key or an option, with a message that names it and
/// says what is allowed. The command line exits 2 and writes nothing.
public struct InputError: Error, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// A file that could not be written: a full disk, a lost mount. The command
/// line exits 4 and says the system's reason.
public struct OutputError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }

    /// The system's reason in an error from Foundation's file writing.
    package static func reason(_ error: Error) -> String {
        let underlying = (error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError
        if let underlying, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        return error.localizedDescription
    }
}
