#!/usr/bin/python3
"""Helpers of scripts/ci.d/20-report-chromium.sh.

  report_check.py inject REPORT.html CHECK.html
      copy the report with a script that, once the page has loaded, appends
      <div id="zoo-check">OK images=N</div> (or BROKEN alt,... images=N)
      listing every <img> that did not decode (naturalWidth 0).
  report_check.py dom DOM.html REPORT.html
      read chromium's --dump-dom of CHECK.html: exit 1 unless it says OK
      for as many images as REPORT.html holds.
  report_check.py blank SHOT.png
      exit 1 if the screenshot is blank: (nearly) one colour.
"""
import re
import sys

SCRIPT = """<script>
window.addEventListener('load', function () {
  var imgs = document.images, bad = [];
  for (var i = 0; i < imgs.length; i++) {
    if (!imgs[i].complete || imgs[i].naturalWidth === 0) bad.push(imgs[i].alt || String(i));
  }
  var d = document.createElement('div');
  d.id = 'zoo-check';
  d.textContent = (bad.length ? 'BROKEN ' + bad.join('|') : 'OK') + ' images=' + imgs.length;
  document.body.appendChild(d);
});
</script>
"""


def inject(src, dst):
    html = open(src, encoding="utf-8").read()
    if "</body>" not in html:
        sys.exit(f"{src}: no </body>")
    open(dst, "w", encoding="utf-8").write(html.replace("</body>", SCRIPT + "</body>", 1))


def dom(dump, report):
    want = len(re.findall(r"<img\b", open(report, encoding="utf-8").read()))
    m = re.search(r'<div id="zoo-check">([^<]*)</div>', open(dump, encoding="utf-8").read())
    if not m:
        sys.exit(f"{dump}: the check script did not run (no #zoo-check)")
    got = m.group(1)
    print(f"{report}: {got} (the file has {want} <img>)")
    if got != f"OK images={want}" or want == 0:
        sys.exit(1)


def blank(shot):
    from PIL import Image, ImageStat
    im = Image.open(shot).convert("L")
    st = ImageStat.Stat(im)
    colours = len(im.getcolors(maxcolors=1 << 16) or range(1 << 16))
    print(f"{shot}: {im.size[0]}x{im.size[1]}, grey mean {st.mean[0]:.1f}, stddev {st.stddev[0]:.1f}, {colours} grey levels")
    if st.stddev[0] < 5 or colours < 16:
        sys.exit(f"{shot}: blank screenshot")


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"inject": inject, "dom": dom, "blank": blank}[cmd](*args)
