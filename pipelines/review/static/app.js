// Document view: evidence boxes over the page images, and the crop of the
// field's cell beside the field being edited. Positions come from
// data-bbox ("x0,y0,x1,y1", fractions of the page) and are set here, so
// the pages need no inline styles (the Content-Security-Policy forbids them).
"use strict";

function bboxOf(el) {
  const parts = (el.dataset.bbox || "").split(",").map(Number);
  return parts.length === 4 && parts.every((v) => !isNaN(v)) ? parts : null;
}

function placeBoxes() {
  document.querySelectorAll(".page-img .box").forEach((box) => {
    const b = bboxOf(box);
    if (!b) return;
    box.style.left = b[0] * 100 + "%";
    box.style.top = b[1] * 100 + "%";
    box.style.width = (b[2] - b[0]) * 100 + "%";
    box.style.height = (b[3] - b[1]) * 100 + "%";
  });
}

function pageImage(page) {
  return document.querySelector('.page-img img[data-page="' + page + '"]');
}

function showCrop(field) {
  document.querySelectorAll(".box.active").forEach((b) => b.classList.remove("active"));
  document.querySelectorAll(".crop").forEach((c) => c.remove());
  const b = bboxOf(field);
  const img = pageImage(field.dataset.page);
  if (!b || !img) return;
  const name = (field.querySelector("[name]") || {}).name;
  document.querySelectorAll(".page-img .box").forEach((box) => {
    if (box.getAttribute("href") === "#f-" + name || box.dataset.bbox === field.dataset.bbox) {
      box.classList.add("active");
      box.scrollIntoView({block: "center", behavior: "smooth"});
    }
  });
  const draw = () => {
    const w = img.naturalWidth, h = img.naturalHeight;
    if (!w) return;
    const pad = 0.004;
    const sx = Math.max(0, (b[0] - pad) * w), sy = Math.max(0, (b[1] - pad) * h);
    const sw = Math.min(w - sx, (b[2] - b[0] + 2 * pad) * w);
    const sh = Math.min(h - sy, (b[3] - b[1] + 2 * pad) * h);
    const canvas = document.createElement("canvas");
    canvas.className = "crop";
    canvas.width = Math.round(sw);
    canvas.height = Math.round(sh);
    canvas.getContext("2d").drawImage(img, sx, sy, sw, sh, 0, 0, sw, sh);
    canvas.title = "Potongan halaman tempat nilai ini dibaca";
    field.appendChild(canvas);
  };
  if (img.complete) draw(); else img.addEventListener("load", draw, {once: true});
}

document.addEventListener("DOMContentLoaded", () => {
  placeBoxes();
  document.querySelectorAll(".page-img img").forEach((img) => img.loading = "eager");
  document.querySelectorAll(".field[data-bbox]").forEach((field) => {
    if (!field.dataset.bbox) return;
    field.addEventListener("focusin", () => showCrop(field));
  });
  document.querySelectorAll(".page-img .box").forEach((box) => {
    box.addEventListener("click", (ev) => {
      const input = document.getElementById(box.getAttribute("href").slice(1));
      if (input) { ev.preventDefault(); input.focus(); input.scrollIntoView({block: "center"}); }
    });
  });
  document.querySelectorAll("[data-confirm]").forEach((btn) => {
    btn.addEventListener("click", (ev) => { if (!confirm(btn.dataset.confirm)) ev.preventDefault(); });
  });
});
