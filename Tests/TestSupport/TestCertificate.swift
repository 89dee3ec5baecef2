/// A self-signed certificate for 127.0.0.1 (valid until 2126), for the TLS tests only.
public enum TestCertificate {
    public static let pem = """
        -----BEGIN CERTIFICATE-----
        MIIBqTCCAU+gAwIBAgIUYzbfg45v/gWSqQuDGRKYLkZHktYwCgYIKoZIzj0EAwIw
        GzEZMBcGA1UEAwwQdGluaHNvIHRlc3QgU01UUDAgFw0yNjExMjMxNzAyNDBaGA8y
        MTI2MTAzMDE3MDI0MFowGzEZMBcGA1UEAwwQdGluaHNvIHRlc3QgU01UUDBZMBMG
        ByqGSM49AgEGCCqGSM49AwEHA0IABAJhGbewVt0MQHP5pwAOU5hzYEU10hWiRfQg
        twldZ1pFMWVcb/OJjkqSmoEKlAEErhKm+Gia18c71yrz0nzLYLujbzBtMB0GA1Ud
        DgQWBBQMY7DOBE9LC5VPqQU03ZavPlGlrzAfBgNVHSMEGDAWgBQMY7DOBE9LC5VP
        qQU03ZavPlGlrzAaBgNVHREEEzARhwR/AAABgglsb2NhbGhvc3QwDwYDVR0TAQH/
        BAUwAwEB/zAKBggqhkjOPQQDAgNIADBFAiA6XxtP01h7kHkD8ZUkJK37M1nHjewE
        bpOY3Fp73wap8wIhAPBGdTWFA8U7KenQpc5j9nfAR/T9+qBy3IBNmD5x2OCJ
        -----END CERTIFICATE-----
        """
    public static let key = """
        -----BEGIN PRIVATE KEY-----
        MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgzZVokyF5QMO6iTbz
        vc8LKwhFveKoeFX0h5N3yLzrfeehRANCAAQCYRm3sFbdDEBz+acADlOYc2BFNdIV
        okX0ILcJXWdaRTFlXG/ziY5KkpqBCpQBBK4SpvhomtfHO9cq89J8y2C7
        -----END PRIVATE KEY-----
        """
}
