import Fluent
import Vapor

/// The electronic one-stop (Một cửa điện tử): dossiers from submission (portal, counter, post or
/// forwarded by the national portal) through processing steps across agencies, payment and result,
/// to return and rating; the personal Kho; the forms of TT 03/2025; the notification and
/// national-sync outboxes. Decisions 0008 and 0009 explain the design.
public enum OneStop {
    public static var migrations: [any Migration] { [
        CreateOneStopSchema(), CreateOutbox(), AddDossierRating(), CreateAttachments(), AddApology(),
        CreateSteps(), CreatePayments(), CreatePersonalStore(), CreateNationalSync(), AddQueueIndexes(),
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
