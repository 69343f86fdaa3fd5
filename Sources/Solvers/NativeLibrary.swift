#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A shared library loaded into the process (`dlopen`), kept loaded for the
/// process's life, so the functions looked up in it stay valid.
public final class NativeLibrary: @unchecked Sendable {
    private let handle: UnsafeMutableRawPointer
    /// The library's path, as given.
    public let path: String

    /// Loads the library at `path`.
    /// - Throws: ``NativeLibraryError`` with the loader's message.
    public init(path: String) throws {
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
            throw NativeLibraryError(
                description: "cannot load \(path): \(dlerror().map { String(cString: $0) } ?? "unknown error")")
        }
        self.handle = handle
        self.path = path
    }

    /// The address of `symbol`, as the function type `type` (which the caller
    /// must know the symbol to have).
    /// - Throws: ``NativeLibraryError`` when the library does not define it.
    public func function<F>(_ symbol: String, as type: F.Type) throws -> F {
        guard let address = dlsym(handle, symbol) else {
            throw NativeLibraryError(description: "\(path) defines no \(symbol)")
        }
        return unsafeBitCast(address, to: type)
    }
}

/// A library that cannot be loaded or lacks a symbol.
public struct NativeLibraryError: Error, CustomStringConvertible, Sendable {
    public let description: String
}
