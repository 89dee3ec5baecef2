import Fluent
import SQLKit

struct CreateIdentitySchema: AsyncMigration {
    var name: String { "identity.001.schema" }

    func prepare(on db: any Database) async throws {
        try await db.schema(User.schema)
            .id()
            .field("kind", .string, .required)
            .field("full_name", .string, .required)
            .field("username", .string)
            .field("identity_number", .string)
            .field("phone", .string, .required)
            .field("email", .string, .required)
            .field("password_hash", .string)
            .field("is_active", .bool, .required)
            .field("created_at", .datetime)
            .unique(on: "username")
            .unique(on: "identity_number")
            .create()
        try await db.schema(ExternalIdentity.schema)
            .id()
            .field("user_id", .uuid, .required, .references(User.schema, .id, onDelete: .cascade))
            .field("provider", .string, .required)
            .field("subject", .string, .required)
            .field("created_at", .datetime)
            .unique(on: "provider", "subject")
            .create()
        try await db.schema(RoleAssignment.schema)
            .id()
            .field("user_id", .uuid, .required, .references(User.schema, .id, onDelete: .cascade))
            .field("role", .string, .required)
            .field("agency_id", .uuid, .references("agencies", .id))
            .unique(on: "user_id", "role", "agency_id")
            .create()
        try await db.schema(UserSession.schema)
            .id()
            .field("token_hash", .string, .required)
            .field("user_id", .uuid, .required, .references(User.schema, .id, onDelete: .cascade))
            .field("created_at", .datetime, .required)
            .field("last_seen_at", .datetime, .required)
            .field("expires_at", .datetime, .required)
            .field("user_agent", .string, .required)
            .field("ip", .string, .required)
            .unique(on: "token_hash")
            .create()
        try await db.schema(LoginAttempt.schema)
            .id()
            .field("login", .string, .required)
            .field("ip", .string, .required)
            .field("at", .datetime, .required)
            .field("succeeded", .bool, .required)
            .create()
        try await db.schema(APIToken.schema)
            .id()
            .field("user_id", .uuid, .required, .references(User.schema, .id, onDelete: .cascade))
            .field("name", .string, .required)
            .field("token_hash", .string, .required)
            .field("scopes", .string, .required)
            .field("created_at", .datetime, .required)
            .field("expires_at", .datetime)
            .field("last_used_at", .datetime)
            .field("revoked_at", .datetime)
            .unique(on: "token_hash")
            .create()
        if let sql = db as? any SQLDatabase {
            try await sql.create(index: "login_attempts_login_at").on(LoginAttempt.schema).column("login").column("at").run()
            try await sql.create(index: "login_attempts_ip_at").on(LoginAttempt.schema).column("ip").column("at").run()
            try await sql.create(index: "user_sessions_user").on(UserSession.schema).column("user_id").run()
            try await sql.create(index: "role_assignments_user").on(RoleAssignment.schema).column("user_id").run()
        }
    }

    func revert(on db: any Database) async throws {
        for s in [APIToken.schema, LoginAttempt.schema, UserSession.schema, RoleAssignment.schema, ExternalIdentity.schema, User.schema] {
            try await db.schema(s).delete()
        }
    }
}
