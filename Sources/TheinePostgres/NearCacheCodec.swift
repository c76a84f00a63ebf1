#if Postgres
import Foundation

/// How a ``NearCache`` turns its values into the bytes of the shared level and back.
///
/// The default for `Codable` values is ``JSONNearCacheCodec``. A codec must decode what another
/// version of the app encoded, or throw: a shared value that fails to decode is a miss, counted in
/// ``NearCacheStats/decodingFailureCount``, and left in place.
public protocol NearCacheCodec<Value>: Sendable {
    /// The values the codec stores: the near cache's `Value`.
    associatedtype Value
    /// The bytes stored for `value`.
    func encode(_ value: Value) throws -> [UInt8]
    /// The value that `bytes` stand for.
    func decode(_ bytes: [UInt8]) throws -> Value
}

/// Values as JSON, through Foundation's `JSONEncoder` and `JSONDecoder`.
public struct JSONNearCacheCodec<Value: Codable>: NearCacheCodec {
    /// Creates the codec (it has no settings: Foundation's default JSON coders).
    public init() {}

    /// `value`'s JSON, as UTF-8 bytes.
    public func encode(_ value: Value) throws -> [UInt8] {
        Array(try JSONEncoder().encode(value))
    }

    /// The value whose JSON `bytes` hold; throws `DecodingError` for anything else.
    public func decode(_ bytes: [UInt8]) throws -> Value {
        try JSONDecoder().decode(Value.self, from: Data(bytes))
    }
}

/// Values that are bytes already, stored as they are: for a near cache of encoded values, such as
/// the JSON that the Vapor and Hummingbird integrations store.
public struct BytesNearCacheCodec: NearCacheCodec {
    /// Creates the codec.
    public init() {}

    /// `value` itself.
    public func encode(_ value: [UInt8]) -> [UInt8] { value }

    /// `bytes` themselves.
    public func decode(_ bytes: [UInt8]) -> [UInt8] { bytes }
}
#endif
