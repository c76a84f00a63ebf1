#if Postgres
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A TCP proxy on 127.0.0.1 in front of a PostgreSQL server, which cuts or stalls connections on
/// demand: a client of it reaches the server as usual, until the test cuts its connection after
/// the server executed a statement and before the client got the reply, or stalls it there (the
/// connection stays open, and no reply ever comes).
///
/// Plain blocking sockets, two threads a connection (one each way), so that it needs nothing
/// beyond the C library and never runs on the concurrency pool it tests.
final class TCPProxy: Sendable {
    /// The port clients connect to.
    let port: Int

    private let listener: Int32
    private let targetPort: Int
    private let state = LockedValue(State())

    private struct State {
        /// Bytes that arm a cut or a stall: the next client message containing them has its
        /// connection cut or stalled when the server's reply comes back.
        var marker: [UInt8]?
        var fate = ReplyFate.cut
        var cuts = 0
        var stalls = 0
        var connections: [ProxiedConnection] = []
        var isClosed = false
    }

    /// Listens on a free port of 127.0.0.1 and forwards each connection to `targetPort`.
    init(to targetPort: Int) throws {
        self.targetPort = targetPort
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw SocketError(call: "socket") }
        var address = Self.loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0, Glibc.listen(listener, 64) == 0 else { throw SocketError(call: "bind") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        self.listener = listener
        port = Int(UInt16(bigEndian: address.sin_port))
        Thread.detachNewThread { [self] in acceptConnections() }
    }

    /// Cuts the connection of the next statement whose text contains `marker`, once the server
    /// has executed it: its reply is dropped and both sides are closed.
    func cutAfterExecuting(statementContaining marker: String) {
        state.withValue { ($0.marker, $0.fate) = (Array(marker.utf8), .cut) }
    }

    /// Stalls the connection of the next statement whose text contains `marker`, once the server
    /// has executed it: from its reply on, nothing reaches the client, and the connection stays
    /// open until the proxy closes.
    func stallAfterExecuting(statementContaining marker: String) {
        state.withValue { ($0.marker, $0.fate) = (Array(marker.utf8), .stall) }
    }

    /// Closes the stalled connections, as a dead peer's eventually are (by TCP keepalive).
    func closeStalledConnections() {
        let connections = state.withValue { $0.connections }
        for connection in connections where connection.fate.withValue({ $0 }) == .stall { connection.interrupt() }
    }

    /// How many connections were stalled after a statement.
    var stalls: Int { state.withValue { $0.stalls } }

    /// How many connections were cut after a statement.
    var cuts: Int { state.withValue { $0.cuts } }

    /// Whether a cut is armed and its statement not seen yet.
    var isArmed: Bool { state.withValue { $0.marker != nil } }

    /// Closes the listener and every connection; nothing the second time.
    func close() {
        let connections = state.withValue { state -> [ProxiedConnection]? in
            guard !state.isClosed else { return nil }
            state.isClosed = true
            return state.connections
        }
        guard let connections else { return }
        shutdown(listener, Int32(SHUT_RDWR))
        Glibc.close(listener)
        for connection in connections { connection.interrupt() }
    }

    private func acceptConnections() {
        while true {
            let client = accept(listener, nil, nil)
            guard client >= 0 else {
                if errno == EINTR { continue }
                return
            }
            let server = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = Self.loopback(port: targetPort)
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(server, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            let connection = ProxiedConnection(client: client, server: server)
            let isAccepted = state.withValue { state in
                guard connected == 0, !state.isClosed else { return false }
                state.connections.append(connection)
                return true
            }
            guard isAccepted else {
                Glibc.close(client)
                Glibc.close(server)
                continue
            }
            Thread.detachNewThread { [self] in forwardRequests(of: connection) }
            Thread.detachNewThread { [self] in forwardReplies(of: connection) }
        }
    }

    /// Client to server: arms the connection's cut when a message carries the marker.
    private func forwardRequests(of connection: ProxiedConnection) {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while let bytes = Self.read(connection.client, into: &buffer) {
            let fate = state.withValue { state -> ReplyFate? in
                guard let marker = state.marker, Self.contains(bytes, marker) else { return nil }
                state.marker = nil
                return state.fate
            }
            if let fate { connection.fate.withValue { $0 = fate } }
            guard Self.write(bytes, to: connection.server) else { break }
        }
        connection.finish()
    }

    /// Server to client, unless the connection is to be cut or stalled: then the reply is dropped
    /// (and so is everything after it, on a stalled connection).
    private func forwardReplies(of connection: ProxiedConnection) {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var isStalled = false
        forwarding: while let bytes = Self.read(connection.server, into: &buffer) {
            switch connection.fate.withValue({ $0 }) {
            case .forward:
                if !Self.write(bytes, to: connection.client) { break forwarding }
            case .cut:
                state.withValue { $0.cuts += 1 }
                break forwarding
            case .stall:
                if !isStalled { state.withValue { $0.stalls += 1 } }
                isStalled = true
            }
        }
        connection.finish()
    }

    private static func read(_ socket: Int32, into buffer: inout [UInt8]) -> ArraySlice<UInt8>? {
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            if count > 0 { return buffer[..<count] }
            if count < 0, errno == EINTR { continue }
            return nil
        }
    }

    private static func write(_ bytes: ArraySlice<UInt8>, to socket: Int32) -> Bool {
        var remaining = bytes
        while !remaining.isEmpty {
            let count = remaining.withUnsafeBytes { send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { return false }
            remaining = remaining.dropFirst(count)
        }
        return true
    }

    private static func contains(_ bytes: ArraySlice<UInt8>, _ marker: [UInt8]) -> Bool {
        guard bytes.count >= marker.count else { return false }
        return (bytes.startIndex...(bytes.endIndex - marker.count)).contains { start in
            bytes[start..<(start + marker.count)].elementsEqual(marker)
        }
    }

    private static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }

    struct SocketError: Error { var call: String }
}

/// What the proxy does with a connection's replies.
private enum ReplyFate {
    case forward
    /// Drop the reply and close the connection.
    case cut
    /// Drop the reply and every later one, keeping the connection open.
    case stall
}

/// One client's connection through the proxy, and the server connection it is forwarded to.
private final class ProxiedConnection: Sendable {
    let client: Int32
    let server: Int32
    /// What becomes of the server's replies: set when the client sent the armed statement.
    let fate = LockedValue(ReplyFate.forward)
    /// How many of the two forwarding threads have ended (the second closes the sockets), and
    /// whether they are closed: a closed socket's number may belong to another connection of this
    /// process by now (another test's), which a late `shutdown` would cut.
    private let sockets = LockedValue((ended: 0, isClosed: false))

    init(client: Int32, server: Int32) {
        self.client = client
        self.server = server
    }

    /// Ends both directions, which wakes both forwarding threads; nothing once they are closed.
    func interrupt() {
        sockets.withValue { sockets in
            guard !sockets.isClosed else { return }
            shutdown(client, Int32(SHUT_RDWR))
            shutdown(server, Int32(SHUT_RDWR))
        }
    }

    /// Ends both directions as one forwarding thread stops; the second to stop closes the sockets.
    func finish() {
        sockets.withValue { sockets in
            shutdown(client, Int32(SHUT_RDWR))
            shutdown(server, Int32(SHUT_RDWR))
            sockets.ended += 1
            guard sockets.ended == 2 else { return }
            Glibc.close(client)
            Glibc.close(server)
            sockets.isClosed = true
        }
    }
}
#endif
