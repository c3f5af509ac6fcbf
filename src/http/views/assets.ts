import { createHash } from 'node:crypto';

// One small stylesheet, served with a content hash in its URL so it can be cached for a year.
export const css = `
:root{--brand:#2563eb;--ink:#111827;--muted:#4b5563;--line:#e5e7eb;--bg:#f3f4f6;--ok:#047857;--err:#b91c1c;--radius:14px}
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;background:var(--bg);color:var(--ink);font:17px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
a{color:var(--brand)}
.wrap{max-width:460px;margin:0 auto;padding:20px 16px 48px}
.brandbar{height:6px;background:var(--brand)}
header.site{display:flex;align-items:center;gap:12px;padding:18px 4px 14px}
header.site img{width:40px;height:40px;border-radius:10px;object-fit:cover}
.mark{display:inline-flex;align-items:center;justify-content:center;width:40px;height:40px;border-radius:10px;background:var(--brand);color:#fff;font-weight:700;font-size:18px}
header.site .name{font-weight:650;font-size:18px}
.card{background:#fff;border:1px solid var(--line);border-radius:var(--radius);padding:24px 20px;box-shadow:0 1px 2px rgba(0,0,0,.04)}
h1{font-size:26px;line-height:1.2;margin:0 0 8px;letter-spacing:-.01em}
h2{font-size:19px;margin:24px 0 8px}
p{margin:0 0 14px}
.lead{color:var(--muted)}
label{display:block;font-weight:600;margin:18px 0 6px}
.hint{display:block;color:var(--muted);font-size:15px;margin:-2px 0 8px;font-weight:400}
input[type=text],input[type=email],input[type=tel],input[type=search],input[type=date],select{width:100%;font:inherit;font-size:18px;padding:14px 14px;border:1.5px solid #9ca3af;border-radius:10px;background:#fff;color:var(--ink)}
input.code{font-size:26px;letter-spacing:.35em;text-align:center;font-variant-numeric:tabular-nums}
input:focus-visible,button:focus-visible,a:focus-visible{outline:3px solid var(--brand);outline-offset:2px}
input[aria-invalid=true]{border-color:var(--err)}
.error{color:var(--err);font-weight:600;margin:8px 0 0;font-size:16px}
.alert{border-radius:10px;padding:12px 14px;margin:0 0 16px;font-size:16px}
.alert.err{background:#fef2f2;color:var(--err);border:1px solid #fecaca}
.alert.ok{background:#ecfdf5;color:var(--ok);border:1px solid #a7f3d0}
button,.button{display:block;width:100%;margin-top:18px;font:inherit;font-weight:650;font-size:18px;padding:14px 18px;border-radius:10px;border:0;background:var(--brand);color:#fff;cursor:pointer;text-align:center;text-decoration:none}
button.secondary,.button.secondary{background:#fff;color:var(--ink);border:1.5px solid var(--line)}
button:hover{filter:brightness(1.07)}
.divider{display:flex;align-items:center;gap:10px;color:var(--muted);font-size:14px;margin:22px 0 4px}
.divider:before,.divider:after{content:"";flex:1;height:1px;background:var(--line)}
.shops{list-style:none;padding:0;margin:18px 0 0;display:grid;gap:12px}
.shops button{display:flex;align-items:center;gap:14px;margin:0;background:#fff;color:var(--ink);border:1.5px solid var(--line);border-left:6px solid var(--shop);text-align:left;padding:16px}
.shops .mark{background:var(--shop);flex:none}
.shops small{display:block;color:var(--muted);font-weight:400;font-size:15px}
.shops.plain{gap:6px;margin:8px 0 16px}.shops.plain li{display:flex;align-items:center;gap:12px;font-weight:600}
.shops.plain img{width:32px;height:32px;border-radius:6px}
h2.small{font-size:17px;margin:28px 0 4px}
.foot{color:var(--muted);font-size:14px;text-align:center;margin-top:22px}
.meta{color:var(--muted);font-size:15px}
table.list{width:100%;border-collapse:collapse;font-size:15px}
table.list td,table.list th{border-bottom:1px solid var(--line);padding:10px 6px;text-align:left;vertical-align:top}
pre{white-space:pre-wrap;word-break:break-word;background:#f9fafb;border:1px solid var(--line);border-radius:8px;padding:12px;font-size:14px}
.wide{max-width:860px}
.tag{display:inline-block;border-radius:999px;padding:1px 10px;font-size:13px;font-weight:600;background:#eef2ff;color:#3730a3;vertical-align:middle}
.tag.sent{background:#fef3c7;color:#92400e}.tag.paid{background:#d1fae5;color:#065f46}.tag.void{background:#f3f4f6;color:#4b5563}
nav.tabs{display:flex;gap:4px;margin:0 0 12px;overflow-x:auto}
nav.tabs a{padding:8px 12px;border-radius:8px;text-decoration:none;color:var(--ink);font-weight:600;font-size:15px}
nav.tabs[aria-label]{display:grid;grid-template-columns:repeat(4,minmax(0,1fr));overflow:visible}nav.tabs[aria-label] a{text-align:center;padding:10px 2px;overflow-wrap:anywhere}
nav.tabs a:hover{background:#e5e7eb}
ul.list{list-style:none;margin:8px 0 0;padding:0}
ul.list li{border-top:1px solid var(--line)}
ul.list li:first-child{border-top:0}
a.row{display:flex;justify-content:space-between;align-items:center;gap:12px;padding:12px 2px;text-decoration:none;color:var(--ink)}
a.row small{display:block;color:var(--muted);font-size:14px}
.amount{display:flex;flex-direction:column;align-items:flex-end;gap:4px;font-weight:650;white-space:nowrap}.amount .tag{margin:0}
.num{font-variant-numeric:tabular-nums}
table.list td.num,table.list th.num,td.num,th.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}
table.list tfoot th,table.list tfoot td{border-bottom:0;font-size:17px}
table.list td small{display:block;color:var(--muted)}
.receipt{background:#ecfdf5;border:1px solid #a7f3d0;border-radius:10px;padding:4px 16px 8px;margin-top:18px}
.alert.info{background:#eff6ff;color:#1e3a8a;border:1px solid #bfdbfe}
.checklist{list-style:none;padding:0}.checklist li{padding:6px 0}.checklist .done span{color:var(--ok);font-weight:700}
.photos{display:grid;grid-template-columns:repeat(auto-fill,minmax(120px,1fr));gap:8px}.photos img{width:100%;border-radius:8px}
.notes{white-space:pre-wrap}
dl.details dt{font-weight:600;margin-top:12px}dl.details dd{margin:2px 0 0}
.signout{margin-top:12px}
.spaced{margin-top:20px}
.tag.bad{background:#fee2e2;color:#991b1b}
nav.tabs a[aria-current=page]{background:#e5e7eb}
nav.tabs a{white-space:nowrap}
.card{overflow-x:auto}
ul.facts{list-style:none;margin:4px 0 0;padding:0;font-size:14px}ul.facts li{padding:2px 0}ul.facts li.ok{color:var(--ok)}ul.facts li.bad{color:var(--err);font-weight:600}ul.facts li.warn{color:#92400e}
.actions{display:flex;flex-wrap:wrap;gap:10px}.actions form{margin:0}.actions button{width:auto;margin:0}
form.confirm{border:2px solid var(--err);border-radius:10px;padding:12px 16px;margin:12px 0}form.confirm button{width:auto}
button.danger{background:var(--err)}
button.link{display:inline;background:none;border:0;color:var(--brand);text-decoration:underline;padding:0;margin:0;width:auto;font:inherit;cursor:pointer}
.card+.card{margin-top:16px}
fieldset{border:0;padding:0;margin:18px 0 0}legend{font-weight:600;margin-bottom:6px}
label.choice{display:block;font-weight:500;margin:8px 0;padding-left:28px;text-indent:-28px}label.choice input{width:18px;height:18px;margin:0 8px 0 0;vertical-align:-3px}label.choice .hint{text-indent:0}
form.row-form{display:flex;flex-wrap:wrap;gap:6px;margin:0}form.row-form select{width:auto;padding:8px;font-size:15px}form.row-form button{width:auto;margin:0;padding:8px 12px;font-size:15px}
figure.qr{margin:16px 0;text-align:center}figure.qr svg{width:220px;height:220px;background:#fff}figure.qr code{word-break:break-all}
ul.codes{columns:2;list-style:none;padding:0;font-size:18px}ul.codes li{padding:4px 0}
svg.chart{width:100%;height:auto;margin:8px 0}svg.chart rect.asked{fill:#d1d5db}svg.chart rect.signed{fill:var(--brand)}svg.chart text{font-size:11px;fill:var(--muted)}svg.chart line.axis{stroke:#9ca3af}
.legend{font-size:14px;color:var(--muted)}.legend .key{display:inline-block;width:12px;height:12px;border-radius:2px;margin:0 4px 0 12px;vertical-align:-1px}.legend .key.asked{background:#d1d5db}.legend .key.signed{background:var(--brand)}
.stats{display:grid;grid-template-columns:repeat(auto-fit,minmax(140px,1fr));gap:12px;margin:12px 0}.stats p{margin:0;background:#f9fafb;border:1px solid var(--line);border-radius:10px;padding:12px;color:var(--muted)}.stats strong{display:block;font-size:26px;color:var(--ink)}
.grid3{display:grid;grid-template-columns:repeat(auto-fit,minmax(180px,1fr));gap:12px}.grid3 label{margin-top:8px}
form.filters button{width:auto;padding:10px 22px}
form.inline{display:flex;flex-wrap:wrap;gap:8px;align-items:stretch;margin-bottom:12px}form.inline label{flex-basis:100%;margin:0}form.inline input,form.inline select{flex:1;min-width:180px;margin:0}form.inline button{width:auto;margin:0;padding:10px 22px}
textarea{width:100%;font:inherit;font-size:17px;padding:12px 14px;border:1.5px solid #9ca3af;border-radius:10px;background:#fff;color:var(--ink);resize:vertical}textarea:focus-visible{outline:3px solid var(--brand);outline-offset:2px}input.mono{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:15px}
nav.pager{display:flex;justify-content:space-between;margin-top:12px}
details summary{cursor:pointer;font-weight:600;margin:12px 0}
header.site{flex-wrap:wrap}header.site .tools{margin-left:auto;display:flex;flex-wrap:wrap;align-items:center;gap:6px 14px;font-size:15px}
nav.langs{display:flex;gap:10px}nav.langs span[aria-current]{font-weight:650;color:var(--ink)}nav.langs a{color:var(--muted)}
form.signout{margin:0}form.signout button.link{font-size:15px;color:var(--muted)}
button:disabled{opacity:.55;cursor:not-allowed;filter:none}p[data-countdown]{margin-top:8px}
.tag.paying{background:#e0e7ff;color:#3730a3}
.owe{border:1px solid var(--line);border-radius:12px;padding:16px;margin:18px 0 4px;background:#f9fafb}.owe h2{margin:0;font-size:15px;color:var(--muted);font-weight:600}.owe .total{font-size:32px;font-weight:700;margin:2px 0 4px;color:var(--ink)}.owe form button{margin-top:10px}
.owe.paid{background:#ecfdf5;border-color:#a7f3d0;color:var(--ok)}.owe.paid p{margin:0}
.parties{display:grid;grid-template-columns:1fr;gap:10px 16px;margin:14px 0 6px;font-size:15px;overflow-wrap:anywhere}@media (min-width:440px){.parties{grid-template-columns:1fr 1fr}}.parties h2{margin:0 0 2px;color:var(--muted)}.parties p{margin:0 0 2px}
address{font-style:normal}p.contact{margin:0 0 2px}
footer.shopinfo{margin-top:22px;padding:0 4px;font-size:15px;color:var(--muted);text-align:center}footer.shopinfo p{margin:0 0 6px}footer.shopinfo strong{color:var(--ink);font-weight:600}footer.shopinfo address{margin:0 0 10px}
.receipt h2{margin-top:12px}
.checklist .todo{color:var(--muted)}.checklist li:before{content:"";display:inline-block;width:12px;height:12px;border-radius:50%;border:2px solid #9ca3af;margin-right:10px;vertical-align:-1px}.checklist li.done:before{background:var(--ok);border-color:var(--ok);box-shadow:inset 0 0 0 2px #fff}
.card form+p.meta{margin-top:14px}
@media (max-width:360px){nav.tabs[aria-label] a{font-size:14px;padding:10px 0}}
.sr-only{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
`;

// The one script: progressive enhancement only (every page works without it). It counts down the
// "send again" wait and enables the button when it is over.
export const js = `(function(){document.querySelectorAll('[data-countdown]').forEach(function(p){var n=+p.getAttribute('data-countdown');var f=p.previousElementSibling;var b=f&&f.querySelector('button[data-wait]');if(b)b.disabled=true;var i=setInterval(function(){n--;if(n<=0){clearInterval(i);if(b)b.disabled=false;p.hidden=true;return}p.textContent=p.getAttribute(n===1?'data-one':'data-other').replace('#',String(n))},1000)})})();`;
export const jsPath = `/assets/app.${createHash('sha256').update(js).digest('hex').slice(0, 10)}.js`;

export const cssPath = `/assets/app.${createHash('sha256').update(css).digest('hex').slice(0, 10)}.css`;
