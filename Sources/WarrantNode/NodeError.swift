import WarrantReplica

/// What WarrantNode throws: the replica's error shape and codes (storage, ledger,
/// bad_request) — a node that cannot start names the file or name at fault with them.
public typealias NodeError = ReplicaError
