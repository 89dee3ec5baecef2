/// The portal's only stylesheet, served at `/assets/site.css`. Mobile first; colours keep at least
/// 4.5:1 contrast on white; focus is always visible.
public enum Stylesheet {
    public static let css = """
    :root{--ink:#1b1f24;--muted:#4a5560;--brand:#a0161b;--brand-dark:#7a0f13;--link:#0b4f9c;--line:#d5dbe1;--bg:#f5f7f9;--ok:#176b2c;--warn:#8a5300}
    *{box-sizing:border-box}
    html{font-size:100%;-webkit-text-size-adjust:100%}
    body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",Arial,sans-serif;line-height:1.5;color:var(--ink);background:#fff}
    a{color:var(--link)}a:hover{text-decoration-thickness:2px}
    :focus-visible{outline:3px solid #f0b400;outline-offset:2px}
    .wrap{max-width:72rem;margin:0 auto;padding:0 1rem}
    .skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:#fff;padding:.5rem;z-index:10}
    .site-header{background:var(--brand);color:#fff}
    .header-row{display:flex;flex-wrap:wrap;align-items:center;justify-content:space-between;gap:.5rem;padding-top:.75rem;padding-bottom:.5rem}
    .brand{color:#fff;font-weight:700;text-decoration:none;font-size:1.05rem}.emblem{color:#ffd54a}
    .account-nav{display:flex;flex-wrap:wrap;gap:.75rem;align-items:center}
    .account-nav a,.account-nav .link{color:#fff}
    .main-nav{display:flex;flex-wrap:wrap;gap:.25rem 1rem;padding-bottom:.6rem}
    .main-nav a{color:#fff;text-decoration:none;border-bottom:2px solid transparent}
    .main-nav a:hover{border-color:#fff}
    main{padding-top:1rem;padding-bottom:2rem;min-height:60vh}
    h1{font-size:1.5rem;line-height:1.25;margin:.5rem 0 1rem}h2{font-size:1.2rem;margin-top:1.5rem}
    .site-footer{background:var(--bg);border-top:1px solid var(--line);color:var(--muted);font-size:.9rem;padding:1rem 0}
    .hero{background:var(--bg);border:1px solid var(--line);border-radius:.5rem;padding:1rem;margin-bottom:1.5rem}
    .search-row{display:flex;gap:.5rem;flex-wrap:wrap}.search-row input{flex:1 1 14rem}
    input,select,textarea{font:inherit;padding:.55rem .6rem;border:1px solid #7b8794;border-radius:.3rem;max-width:100%;background:#fff;color:var(--ink)}
    textarea{width:100%}
    .field{margin-bottom:1rem;display:flex;flex-direction:column;gap:.25rem}
    .field input,.field select{width:100%;max-width:32rem}
    label{font-weight:600}.req{color:var(--brand)}
    .hint{color:var(--muted);margin:0;font-size:.9rem}
    .error{color:var(--brand-dark);font-weight:600;margin:0}
    .has-error input{border:2px solid var(--brand)}
    .error-summary{border:3px solid var(--brand);padding:.5rem 1rem;margin-bottom:1rem;border-radius:.3rem}
    .error-summary h2{margin-top:.25rem;font-size:1.05rem}
    .flash{background:#e7f4ea;border-left:4px solid var(--ok);padding:.5rem 1rem}
    button,.button{font:inherit;cursor:pointer;background:var(--brand);color:#fff;border:0;border-radius:.3rem;padding:.55rem 1rem;text-decoration:none;display:inline-block}
    button:hover,.button:hover{background:var(--brand-dark)}
    .button.small{padding:.3rem .7rem;background:#fff;color:var(--brand)}
    .button.secondary,button.secondary{background:#fff;color:var(--brand);border:1px solid var(--brand)}
    button.link{background:none;padding:0;text-decoration:underline;color:var(--link)}
    form.inline{display:inline}
    .filters{display:grid;grid-template-columns:1fr;gap:.25rem 1rem;background:var(--bg);padding:1rem;border-radius:.5rem;margin-bottom:1rem}
    @media(min-width:48rem){.filters{grid-template-columns:repeat(3,1fr)}.filters .wide{grid-column:1/-1}}
    .results{list-style:none;padding:0;margin:0}
    .results li{border-bottom:1px solid var(--line);padding:.75rem 0}
    .results .meta{color:var(--muted);font-size:.9rem;display:flex;flex-wrap:wrap;gap:.25rem .75rem;margin-top:.25rem}
    .badge{display:inline-block;border-radius:1rem;padding:0 .6rem;font-size:.8rem;font-weight:600;border:1px solid currentColor}
    .badge-ok{color:var(--ok)}.badge-warn{color:var(--warn)}.badge-neutral{color:var(--muted)}
    .facts{display:grid;grid-template-columns:1fr;gap:.1rem 1rem;margin:0 0 1rem}
    .facts dt{font-weight:600;color:var(--muted);margin-top:.5rem}.facts dd{margin:0}
    @media(min-width:48rem){.facts{grid-template-columns:14rem 1fr}.facts dt{margin-top:0}}
    .table-wrap{overflow-x:auto}
    table{border-collapse:collapse;width:100%;font-size:.95rem}
    th,td{text-align:left;padding:.45rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
    th{background:var(--bg)}
    .pager{display:flex;gap:1rem;flex-wrap:wrap;align-items:center;margin:1rem 0}
    .muted{color:var(--muted)}
    .cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(14rem,1fr));gap:.75rem;padding:0;list-style:none}
    .cards li{border:1px solid var(--line);border-radius:.5rem;padding:.75rem}
    .visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
    form.narrow{max-width:32rem}
    table.month{table-layout:fixed;min-width:36rem}
    table.month td{height:4.5rem;border:1px solid var(--line);padding:.25rem}
    table.month .solar{display:block;font-weight:700;font-size:1.1rem}
    table.month .lunar{display:block;color:var(--muted);font-size:.8rem}
    table.month .note{display:block;font-size:.75rem;line-height:1.2}
    table.month .off,table.month .holiday{background:#fdecec}
    table.month .holiday .solar{color:var(--brand-dark)}
    table.month .makeup{background:#e8f0fb;outline:2px solid var(--link);outline-offset:-2px}
    table.month .today{box-shadow:inset 0 0 0 3px #f0b400}
    .center{text-align:center}
    .timeline{padding-left:1.25rem}.timeline li{margin-bottom:.4rem}
    form.action{margin:.5rem 0}
    .qr svg{width:9rem;height:9rem}
    table.bordered{border-collapse:collapse;margin:.5rem 0}table.bordered th,table.bordered td{border:1px solid #555;padding:.2rem .4rem;vertical-align:top}
    @media print{.form-print.wide{font-size:10pt}@page wide{size:A4 landscape}.form-print.wide{page:wide}}
    @media print{.site-header,.site-footer,.no-print,.skip{display:none}main{padding:0}.form-print{font-family:"Times New Roman",serif;font-size:13pt}@page{size:A5;margin:12mm}}
    .token{font-family:ui-monospace,monospace;word-break:break-all;background:var(--bg);padding:.5rem}
    .chart{margin:1rem 0;max-width:32rem}.chart svg{width:100%;height:auto}
    .chart-label{font-size:13px;fill:var(--ink)}.chart-value{font-size:13px;font-weight:600;fill:var(--ink)}
    .chart-track{fill:#e8ecef}.chart-bar{fill:var(--link)}.chart-axis{stroke:var(--line)}.chart-line{fill:none;stroke:var(--link);stroke-width:2.5}
    .cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(10rem,1fr));gap:.75rem;margin:1rem 0}
    .card{border:1px solid var(--line);border-radius:.4rem;padding:.6rem .75rem;background:var(--bg)}
    .card .value{display:block;font-size:1.5rem;font-weight:700}.card .what{color:var(--muted);font-size:.9rem}
    td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
    """
}
