import App
import Foundation
import Vapor

/// Parses the command, builds the app, runs it. `tinhso` alone serves.
var env = try Environment.detect()
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
    let command = env.arguments.dropFirst().first { !$0.hasPrefix("-") }
    if command == nil || command == "serve" {
        try await Startup.prepareToServe(app)
    }
    try await app.execute()
} catch {
    // Reported once, then a failing exit status: a command that fails is not a crash.
    app.logger.report(error: error)
    try? await app.asyncShutdown()
    exit(1)
}
try await app.asyncShutdown()
