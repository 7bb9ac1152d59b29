// A line chart of one series on a canvas, redrawn at most once per animation frame however
// fast points arrive (20 meter values a second must not keep the main thread busy).
export class LineChart {
  constructor(canvas) {
    this.canvas = canvas;
    this.points = [];
    this.pending = false;
  }

  add(x, y) {
    this.points.push([x, y]);
    this.canvas.dataset.points = String(this.points.length);
    if (!this.pending) {
      this.pending = true;
      requestAnimationFrame(() => { this.pending = false; this.draw(); });
    }
  }

  clear() { this.points = []; this.canvas.dataset.points = '0'; this.draw(); }

  draw() {
    const { canvas, points } = this;
    const ratio = window.devicePixelRatio || 1;
    const width = canvas.clientWidth || canvas.width, height = canvas.clientHeight || canvas.height;
    if (canvas.width !== Math.round(width * ratio)) { canvas.width = Math.round(width * ratio); canvas.height = Math.round(height * ratio); }
    const context = canvas.getContext('2d');
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    context.clearRect(0, 0, width, height);
    const style = getComputedStyle(canvas);
    context.strokeStyle = style.getPropertyValue('--accent') || '#0b6bcb';
    context.fillStyle = style.color;
    context.font = '11px system-ui, sans-serif';
    if (points.length === 0) { context.fillText('no meter values yet', 8, height / 2); return; }
    const xs = points.map((p) => p[0]), ys = points.map((p) => p[1]);
    const minX = Math.min(...xs), maxX = Math.max(...xs, minX + 1);
    const maxY = Math.max(...ys, 0.001);
    const pad = 14;
    context.lineWidth = 2;
    context.beginPath();
    points.forEach(([x, y], index) => {
      const px = pad + ((x - minX) / (maxX - minX)) * (width - 2 * pad);
      const py = height - pad - (y / maxY) * (height - 2 * pad);
      if (index === 0) context.moveTo(px, py); else context.lineTo(px, py);
    });
    context.stroke();
    context.fillText(`${maxY.toFixed(2)} kWh`, 4, 11);
  }
}
