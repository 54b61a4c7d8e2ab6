// A page's lifecycle: each page is drawn by one View, which loads what the page shows, redraws
// when that changed and polls while its group is live. Navigating stops the previous View (its
// timer and its charts), so a page left behind never draws again. body[data-state] and
// body[data-live] say where the current View is (the end-to-end test waits on them).
/* global document, setTimeout, clearTimeout */
import { h } from './dom.js';

const POLL_MS = 2000;
/** Group statuses the page keeps polling. */
export const LIVE = new Set(['queued', 'running']);

export class View {
  constructor() {
    this.alive = true;
    this.timer = null;
    this.charts = [];
  }

  stop() {
    this.alive = false;
    clearTimeout(this.timer);
    this.destroyCharts();
  }

  destroyCharts() {
    for (const chart of this.charts) chart.destroy();
    this.charts = [];
  }

  sleep(ms) {
    return new Promise((resolve) => {
      this.timer = setTimeout(resolve, ms);
    });
  }

  /**
   * Loads, draws when what was loaded changed, and polls every POLL_MS while `load` says the
   * group is live. Once it is not, one more round picks up what the group wrote as it finished.
   */
  async live(load, draw) {
    let last = null;
    let wasLive = false;
    for (;;) {
      let data;
      try {
        data = await load();
      } catch (err) {
        if (!this.alive) return;
        if (last === null) throw err;
        setNotice(`Lost contact with the server (${err.message}); retrying…`);
        await this.sleep(POLL_MS);
        continue;
      }
      if (!this.alive) return;
      setNotice(null);
      const key = JSON.stringify(data.key ?? data);
      if (key !== last) {
        last = key;
        await draw(data);
        if (!this.alive) return;
      }
      document.body.dataset.state = 'ready';
      document.body.dataset.live = String(data.live);
      if (!data.live) {
        if (!wasLive) return;
        wasLive = false;
        continue;
      }
      wasLive = true;
      await this.sleep(POLL_MS);
      if (!this.alive) return;
    }
  }
}

/** The banner that says the server stopped answering; null takes it down. */
export function setNotice(text) {
  let notice = document.getElementById('notice');
  if (!text) {
    notice?.remove();
    return;
  }
  if (!notice) {
    notice = h('div', { id: 'notice', class: 'notice', role: 'status' });
    document.body.append(notice);
  }
  notice.textContent = text;
}
