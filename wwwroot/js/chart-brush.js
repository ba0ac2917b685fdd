// Range selection on a chart's plot area: a drag reports the fractions of the width it covered
// (OnPlotDrag), a click without movement reports where it landed (OnPlotClick). The plot element
// is the data area itself, so fractions map straight onto the chart's time and value axes.
// Mode 'series' is for MudBlazor's time charts, whose SVG has margins for its axes: there the
// data area is the horizontal extent of the series' lines (first to last point).
// Coarse pointers and keyboards use the page's filter fields instead.

const MinDragPx = 4;

function seriesRect(plot) {
    let left = Infinity, right = -Infinity;
    for (const line of plot.querySelectorAll('path.mud-chart-line')) {
        const r = line.getBoundingClientRect();
        if (r.width > 0) {
            left = Math.min(left, r.left);
            right = Math.max(right, r.right);
        }
    }
    const p = plot.getBoundingClientRect();
    return right > left ? { left, width: right - left, top: p.top, height: p.height } : null;
}

export function attachBrush(plot, dotnet, mode) {
    const brush = plot.querySelector('.nt-brush');
    let start = null;

    const area = () => (mode === 'series' ? seriesRect(plot) : null) || plot.getBoundingClientRect();
    const fraction = (e, r) => ({
        x: Math.min(1, Math.max(0, (e.clientX - r.left) / r.width)),
        y: Math.min(1, Math.max(0, (e.clientY - r.top) / r.height)),
        px: e.clientX,
    });
    const show = (a, b, r) => {
        if (!brush) return;
        const p = plot.getBoundingClientRect();
        const left = Math.min(a, b), right = Math.max(a, b);
        brush.style.display = 'block';
        brush.style.left = (r.left - p.left + left * r.width) + 'px';
        brush.style.width = ((right - left) * r.width) + 'px';
    };
    const hide = () => { if (brush) brush.style.display = 'none'; };

    const down = e => {
        if (e.button !== 0) return;
        const r = area();
        start = { ...fraction(e, r), r };
        plot.setPointerCapture(e.pointerId);
        e.preventDefault();
    };
    const move = e => {
        if (!start) return;
        show(start.x, fraction(e, start.r).x, start.r);
    };
    const up = e => {
        if (!start) return;
        const s = start;
        start = null;
        hide();
        const end = fraction(e, s.r);
        if (Math.abs(end.px - s.px) < MinDragPx)
            dotnet.invokeMethodAsync('OnPlotClick', end.x, end.y);
        else
            dotnet.invokeMethodAsync('OnPlotDrag', Math.min(s.x, end.x), Math.max(s.x, end.x));
    };
    const cancel = () => { start = null; hide(); };

    plot.addEventListener('pointerdown', down);
    plot.addEventListener('pointermove', move);
    plot.addEventListener('pointerup', up);
    plot.addEventListener('pointercancel', cancel);
    return {
        dispose() {
            plot.removeEventListener('pointerdown', down);
            plot.removeEventListener('pointermove', move);
            plot.removeEventListener('pointerup', up);
            plot.removeEventListener('pointercancel', cancel);
        },
    };
}
