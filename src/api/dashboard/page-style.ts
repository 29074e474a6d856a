/** The dashboard's stylesheet (served from our origin: the page's CSP allows no inline styles). */
export const DASHBOARD_CSS = `
:root { color-scheme: light dark; --border: #8884; --muted: #888; --open: #d33; --half: #d90; --ok: #3a3; }
* { box-sizing: border-box; }
[hidden] { display: none !important; }
body { font: 14px/1.4 system-ui, sans-serif; margin: 0 auto; max-width: 1400px; padding: 0 16px 32px; }
header { display: flex; align-items: center; gap: 16px; border-bottom: 1px solid var(--border); }
header h1 { font-size: 18px; margin: 12px 0; flex: 0 0 auto; }
#status { color: var(--muted); flex: 1 1 auto; }
#sign-in-form { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin: 48px auto; max-width: 480px; }
#sign-in-form input { flex: 1 1 200px; padding: 6px; }
#sign-in-error { flex-basis: 100%; color: var(--open); min-height: 1.4em; margin: 0; }
.window { color: var(--muted); }
.figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 8px; }
.figure { border: 1px solid var(--border); border-radius: 6px; padding: 8px; display: flex; flex-direction: column; }
.figure .label { color: var(--muted); font-size: 12px; }
.figure .value { font-size: 22px; font-variant-numeric: tabular-nums; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(520px, 1fr)); gap: 16px; margin-top: 16px; }
.charts figure { margin: 0; border: 1px solid var(--border); border-radius: 6px; padding: 8px; }
.charts figcaption { font-weight: 600; margin-bottom: 4px; }
.chart { min-height: 220px; }
table { border-collapse: collapse; width: 100%; margin-bottom: 16px; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--border); font-variant-numeric: tabular-nums; }
h2 { font-size: 15px; margin: 20px 0 6px; }
.state-open { color: var(--open); font-weight: 600; }
.state-half_open, .state-cooling_down { color: var(--half); }
.state-out { color: var(--open); }
.state-closed, .state-available { color: var(--ok); }
.stale #dashboard { opacity: 0.6; }
`;
