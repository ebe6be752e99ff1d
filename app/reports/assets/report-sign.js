// The drawn signature (signature_pad) goes into the form as a PNG data URL.
(() => {
  const canvas = document.getElementById('signature-canvas');
  const form = document.getElementById('sign-form');
  if (!canvas || !form || !window.SignaturePad) return;
  const pad = new window.SignaturePad(canvas, { penColor: '#0b1f4d' });
  // draw at the device's pixel density, the canvas as wide as the page allows
  const fit = () => {
    const ratio = Math.max(window.devicePixelRatio || 1, 1);
    const data = pad.toData();
    canvas.width = canvas.offsetWidth * ratio;
    canvas.height = canvas.offsetHeight * ratio;
    canvas.getContext('2d').scale(ratio, ratio);
    pad.clear();
    pad.fromData(data);
  };
  window.addEventListener('resize', fit);
  fit();
  document.getElementById('signature-clear').addEventListener('click', () => pad.clear());
  form.addEventListener('submit', () => {
    document.getElementById('signature-data').value = pad.isEmpty() ? '' : pad.toDataURL('image/png');
  });
})();
