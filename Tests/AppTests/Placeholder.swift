import Testing
import TestSupport
@Test func placeholder() {}
