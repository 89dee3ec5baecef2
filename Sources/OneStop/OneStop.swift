import Fluent
import Vapor

/// The electronic one-stop (Một cửa điện tử): dossiers from submission to result.
///
/// Built so far: the dossier with the national status codes, code allocation, the lifecycle
/// table, hash-chained audit trail, the dossier API and the public lookup. Forms (Mẫu 01–07),
/// the officer workspace and citizen pages (first versions here), attachments, payments, inter-agency steps,
/// notifications and the national sync are not built yet (issue 4).
public enum OneStop {
    public static var migrations: [any Migration] { [
        CreateOneStopSchema(), CreateOutbox(), AddDossierRating(), CreateAttachments(), AddApology(),
        CreateSteps(), CreatePayments(), CreatePersonalStore(), CreateNationalSync(),
    ] }

    public static func routes(pages: any RoutesBuilder, api: any RoutesBuilder) throws {
        try pages.register(collection: LookupPage())
        try pages.register(collection: DossierPages())
        try pages.register(collection: DossierForms())
        try pages.register(collection: PaymentPages())
        try pages.register(collection: PersonalStorePages())
        try api.register(collection: DossiersAPI())
        try api.register(collection: NationalInboundAPI())
    }
}
