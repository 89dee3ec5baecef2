import App
import Foundation
import Vapor

/// Parses the command, builds the app, runs it. `tinhso` alone serves.
var env = try Environment.detect()
// Before the first job of Swift concurrency; the same arguments decide as `prepareToServe` below.
if Startup.serves(env.arguments) { Startup.useEventLoopsForConcurrency() }
try LoggingSystem.bootstrap(from: &env)
let config: AppConfig
do {
    config = try AppConfig.load()
} catch let error as AppConfig.Invalid {
    FileHandle.standardError.write(Data("tinhso: invalid configuration: \(error.description)\n".utf8))
    exit(2)
}
let app = try await Application.make(env)
do {
    try await configure(app, config: config)
    if Startup.serves(env.arguments) { try await Startup.prepareToServe(app) }
    // Not `app.execute()`: it logs a failure as Swift text before rethrowing it.
    try await app.startup()
    try await app.running?.onStop.get()
} catch {
    // Said once, in words an operator reads, then a failing exit status: a command that fails is not a crash.
    FileHandle.standardError.write(Data("tinhso: \(Startup.describe(error))\n".utf8))
    try? await app.asyncShutdown()
    exit(1)
}
try await app.asyncShutdown()
