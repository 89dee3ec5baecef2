import OneStop

/// OneStop's `Channel`, named where NIO's `Channel` (through Vapor) is not in scope.
typealias DossierChannel = Channel
