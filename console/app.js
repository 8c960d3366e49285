// microwish staff console (社区工作台).
//
// A single hand-written script: no build step, no dependencies, nothing
// loaded from outside this origin. It talks to the public REST API only
// (/api/v1, see api-spec/openapi.json) with the bearer token of the signed-in
// staff member. The page is served under a strict Content-Security-Policy, so
// all markup is built with DOM calls (never inline scripts, handlers or
// style attributes).
'use strict';

(() => {
  // ---------------------------------------------------------------------------
  // Labels (user-facing text is Chinese)
  // ---------------------------------------------------------------------------

  const STATUS_LABELS = {
    pending_review: '待审核',
    returned: '已退回',
    rejected: '未通过',
    withdrawn: '已撤回',
    open: '待认领',
    claimed: '已认领',
    fulfilled: '待确认',
    completed: '已完成',
    cancelled: '已取消',
    expired: '已过期',
  };
  const STATUS_ORDER = Object.keys(STATUS_LABELS);

  // Chart colours per status; the badges use the matching CSS classes.
  const STATUS_COLORS = {
    pending_review: '#d97706',
    returned: '#a16207',
    rejected: '#b91c1c',
    withdrawn: '#6b7280',
    open: '#2563eb',
    claimed: '#7c3aed',
    fulfilled: '#0891b2',
    completed: '#15803d',
    cancelled: '#9ca3af',
    expired: '#78716c',
  };

  const LIST_LABELS = { public: '公共服务', social: '社会服务', volunteer: '志愿服务' };

  const ACTION_LABELS = {
    submit: '提交心愿',
    edit: '修改心愿',
    approve: '审核通过',
    return: '退回修改',
    reject: '审核不通过',
    withdraw: '居民撤回',
    claim: '认领',
    assign: '社区派单',
    release: '释放认领',
    fulfil: '完成服务',
    confirm: '居民确认',
    dispute: '居民异议',
    cancel: '取消心愿',
    expire: '超期未认领',
    reopen: '重新发布',
  };

  // Who usually performs an action, for timeline lines whose actor is not
  // otherwise known (the events carry only an actor id).
  const ACTION_ROLES = {
    submit: '居民', edit: '居民', withdraw: '居民', confirm: '居民', dispute: '居民',
    approve: '社区工作人员', return: '社区工作人员', reject: '社区工作人员',
    assign: '社区工作人员', cancel: '社区工作人员', reopen: '社区工作人员',
    claim: '认领方', fulfil: '认领方', release: '认领方或工作人员',
  };

  const REGISTRATION_KINDS = { party_member: '在职党员', volunteer: '志愿者' };
  const PARTNER_KINDS = { paired: '结对共建', resident: '驻区单位' };
  const UNIT_KINDS = { co_build: '共建单位', resident_unit: '驻区单位' };
  const CLAIMANT_KINDS = { user: '个人', unit: '单位' };
  const MATCH_SCORES = { 2: '同服务项目', 1: '同服务清单', 0: '可认领' };
  const LEVEL_LABELS = { city: '市', district: '县区', street: '街镇', community: '社区' };

  const PAGE_SIZE = 20;
  const SESSION_KEY = 'microwish.console.session';

  // ---------------------------------------------------------------------------
  // DOM helpers
  // ---------------------------------------------------------------------------

  /**
   * Builds an element. `attrs` keys: `class`, `on<event>` handlers, `dataset`,
   * boolean attributes (true/false) and plain attributes; never `style`.
   */
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    applyAttrs(el, attrs);
    appendChildren(el, children);
    return el;
  }

  function applyAttrs(el, attrs) {
    if (!attrs) return;
    for (const [key, value] of Object.entries(attrs)) {
      if (value === undefined || value === null || value === false) continue;
      if (key === 'class') el.className = value;
      else if (key === 'dataset') Object.assign(el.dataset, value);
      else if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
      else if (key === 'value') el.value = value;
      else if (value === true) el.setAttribute(key, '');
      else el.setAttribute(key, String(value));
    }
  }

  function appendChildren(el, children) {
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      el.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
  }

  const SVG_NS = 'http://www.w3.org/2000/svg';

  /** Builds an SVG element with presentation attributes. */
  function s(tag, attrs, ...children) {
    const el = document.createElementNS(SVG_NS, tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value !== undefined && value !== null) el.setAttribute(key, String(value));
    }
    appendChildren(el, children);
    return el;
  }

  const $ = (sel, root = document) => root.querySelector(sel);
  const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));

  function statusBadge(status) {
    return h('span', { class: `badge badge-${status}`, 'data-testid': 'status-badge', dataset: { status } },
      STATUS_LABELS[status] || status);
  }

  function listTag(list) {
    if (!list) return h('span', { class: 'muted' }, '未分类');
    return h('span', { class: `tag tag-${list}` }, LIST_LABELS[list] || list);
  }

  function loading(text = '正在加载…') {
    return h('div', { class: 'loading', 'data-testid': 'loading', role: 'status' },
      h('span', { class: 'spinner', 'aria-hidden': 'true' }), text);
  }

  function emptyState(title, hint) {
    return h('div', { class: 'empty', 'data-testid': 'empty-state' },
      emptyIcon(),
      h('p', { class: 'empty-title' }, title),
      hint ? h('p', { class: 'muted' }, hint) : null);
  }

  function emptyIcon() {
    return s('svg', { class: 'empty-icon', viewBox: '0 0 64 64', width: 56, height: 56, 'aria-hidden': 'true' },
      s('rect', { x: 10, y: 14, width: 44, height: 36, rx: 4, fill: '#eef2f7', stroke: '#c5cfdc', 'stroke-width': 2 }),
      s('path', { d: 'M10 26h44', stroke: '#c5cfdc', 'stroke-width': 2 }),
      s('circle', { cx: 32, cy: 38, r: 5, fill: 'none', stroke: '#9aa9bd', 'stroke-width': 2 }));
  }

  function errorBox(err, retry) {
    return h('div', { class: 'error-box', 'data-testid': 'error-box', role: 'alert' },
      h('p', { class: 'error-title' }, err.title || '加载失败'),
      h('p', null, err.userMessage ? err.userMessage() : String(err.message || err)),
      retry ? h('button', { type: 'button', class: 'btn btn-secondary btn-sm', onclick: retry }, '重试') : null);
  }

  function pageHeader(title, subtitle, ...tools) {
    return h('div', { class: 'page-header' },
      h('div', null, h('h2', { 'data-testid': 'page-title' }, title), subtitle ? h('p', { class: 'muted' }, subtitle) : null),
      h('div', { class: 'toolbar' }, tools));
  }

  function pad(n) {
    return String(n).padStart(2, '0');
  }

  /** `2026-11-23 16:45` in the browser's time zone. */
  function fmtDateTime(iso) {
    if (!iso) return '—';
    const d = new Date(iso);
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}`;
  }

  function fmtDate(d) {
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
  }

  /** How long ago, roughly: "3 天 4 小时". */
  function fmtAge(iso) {
    const minutes = Math.max(0, Math.floor((Date.now() - new Date(iso).getTime()) / 60000));
    if (minutes < 60) return `${minutes} 分钟`;
    const hours = Math.floor(minutes / 60);
    if (hours < 24) return `${hours} 小时`;
    const days = Math.floor(hours / 24);
    return hours % 24 ? `${days} 天 ${hours % 24} 小时` : `${days} 天`;
  }

  function fmtHours(v) {
    if (v === null || v === undefined) return '—';
    return v >= 48 ? `${(v / 24).toFixed(1)} 天` : `${v.toFixed(1)} 小时`;
  }

  function shortId(id) {
    return id ? id.slice(-8) : '';
  }

  // ---------------------------------------------------------------------------
  // Toasts
  // ---------------------------------------------------------------------------

  /** Shows a transient message; kind is `success`, `error` or `info`. */
  function toast(kind, title, detail) {
    const box = h('div', { class: `toast toast-${kind}`, 'data-testid': 'toast', dataset: { kind }, role: kind === 'error' ? 'alert' : 'status' },
      h('span', { class: 'toast-icon', 'aria-hidden': 'true' }, kind === 'success' ? '✓' : kind === 'error' ? '!' : 'i'),
      h('div', { class: 'toast-body' }, h('strong', null, title), detail ? h('p', null, detail) : null),
      h('button', { type: 'button', class: 'toast-close', 'aria-label': '关闭提示', onclick: () => box.remove() }, '×'));
    $('#toasts').append(box);
    setTimeout(() => box.remove(), kind === 'error' ? 8000 : 4000);
  }

  function toastError(err, fallbackTitle = '操作失败') {
    if (err && err.silent) return;
    toast('error', (err && err.title) || fallbackTitle, err && err.userMessage ? err.userMessage() : String(err));
  }

  // ---------------------------------------------------------------------------
  // API client: tokens, refresh, problem documents
  // ---------------------------------------------------------------------------

  /** An RFC 9457 problem (or a network failure) as an exception. */
  class ApiError extends Error {
    constructor(status, problem) {
      super(problem.detail || problem.title || `HTTP ${status}`);
      this.status = status;
      this.code = problem.code || null;
      this.title = problem.title || '请求失败';
      this.detail = problem.detail || '';
      this.errors = Array.isArray(problem.errors) ? problem.errors : [];
      this.silent = false;
    }

    /** The detail and every field message, for a toast. */
    userMessage() {
      const fields = this.errors.map((e) => e.message).filter(Boolean);
      if (fields.length) return `${this.detail ? this.detail + ':' : ''}${fields.join(';')}`;
      return this.detail || this.title;
    }
  }

  const session = {
    access: null,
    refresh: null,
    expiresAt: 0,
    timer: null,

    load() {
      try {
        const saved = JSON.parse(sessionStorage.getItem(SESSION_KEY) || 'null');
        if (saved && saved.refresh) Object.assign(this, saved);
      } catch {
        sessionStorage.removeItem(SESSION_KEY);
      }
      return Boolean(this.refresh);
    },

    store(tokens) {
      this.access = tokens.access_token;
      this.refresh = tokens.refresh_token;
      this.expiresAt = Date.now() + tokens.expires_in * 1000;
      sessionStorage.setItem(SESSION_KEY, JSON.stringify({ access: this.access, refresh: this.refresh, expiresAt: this.expiresAt }));
      this.schedule();
    },

    clear() {
      this.access = this.refresh = null;
      this.expiresAt = 0;
      clearTimeout(this.timer);
      sessionStorage.removeItem(SESSION_KEY);
    },

    /** Refreshes a minute before the access token expires. */
    schedule() {
      clearTimeout(this.timer);
      const wait = Math.max(5000, this.expiresAt - Date.now() - 60000);
      this.timer = setTimeout(() => refreshTokens().catch(() => {}), wait);
    },
  };

  let refreshing = null;

  /** Exchanges the refresh token once, however many callers ask at the same time. */
  function refreshTokens() {
    if (!refreshing) {
      refreshing = doRefresh().finally(() => { refreshing = null; });
    }
    return refreshing;
  }

  async function doRefresh() {
    if (!session.refresh) throw sessionExpired();
    const res = await rawFetch('POST', '/api/v1/auth/refresh', { refresh_token: session.refresh });
    if (!res.ok) {
      session.clear();
      onSessionLost();
      throw sessionExpired();
    }
    session.store(await res.json());
  }

  function sessionExpired() {
    const err = new ApiError(401, { title: '登录已失效', detail: '请重新登录', code: 'unauthenticated' });
    err.silent = true;
    return err;
  }

  async function rawFetch(method, path, body, headers = {}) {
    const init = { method, headers: { Accept: 'application/json, application/problem+json', ...headers } };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    try {
      return await fetch(path, init);
    } catch {
      throw new ApiError(0, { title: '网络错误', detail: '无法连接服务器,请检查网络后重试' });
    }
  }

  async function problemFrom(res) {
    let problem = {};
    try {
      problem = await res.json();
    } catch {
      problem = { title: `请求失败(${res.status})` };
    }
    return new ApiError(res.status, problem);
  }

  function withQuery(path, query) {
    if (!query) return path;
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) {
      if (v !== undefined && v !== null && v !== '') params.set(k, v);
    }
    const qs = params.toString();
    return qs ? `${path}?${qs}` : path;
  }

  /**
   * Calls the API with the bearer token. Refreshes first when the token is
   * about to expire, and once more after a 401. Returns parsed JSON, or the
   * Response itself with `raw: true`.
   */
  async function api(method, path, { query, body, raw = false, headers = {} } = {}, retried = false) {
    if (session.refresh && Date.now() > session.expiresAt - 30000) await refreshTokens();
    const auth = session.access ? { Authorization: `Bearer ${session.access}` } : {};
    const res = await rawFetch(method, withQuery(`/api/v1${path}`, query), body, { ...auth, ...headers });
    if (res.status === 401 && !retried && session.refresh) {
      await refreshTokens();
      return api(method, path, { query, body, raw, headers }, true);
    }
    if (!res.ok) throw await problemFrom(res);
    if (raw) return res;
    if (res.status === 204) return null;
    const text = await res.text();
    return text ? JSON.parse(text) : null;
  }

  /** Every item of a keyset-paged list (for small lists such as areas). */
  async function fetchAll(path, query = {}) {
    const items = [];
    let cursor = null;
    do {
      const page = await api('GET', path, { query: { ...query, limit: 100, cursor } });
      items.push(...page.items);
      cursor = page.next_cursor;
    } while (cursor);
    return items;
  }

  /** Runs `fn` over `items` with at most `limit` calls in flight. */
  async function mapLimit(items, limit, fn) {
    const results = new Array(items.length);
    let next = 0;
    const worker = async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await fn(items[i], i);
      }
    };
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
    return results;
  }

  /** A wish action; sends the version last seen so a changed wish gives 412. */
  function wishAction(wish, action, body) {
    const headers = wish.version ? { 'If-Match': `"${wish.version}"` } : {};
    return api('POST', `/wishes/${wish.id}/${action}`, { body, headers });
  }

  // ---------------------------------------------------------------------------
  // Context: who is signed in, their areas, communities and the catalogue
  // ---------------------------------------------------------------------------

  const ctx = {
    me: null,
    staffAreas: [],
    areas: new Map(), // every area reachable from the staff areas, by id
    communities: [], // communities below the staff areas, by name
    catalogue: [],
    catalogueById: new Map(),
    counts: {},
  };

  async function loadContext() {
    ctx.me = await api('GET', '/me');
    const [areas, catalogue] = await Promise.all([loadAreas(ctx.me), api('GET', '/catalogue')]);
    ctx.catalogue = catalogue;
    ctx.catalogueById = new Map(catalogue.map((c) => [c.id, c]));
    ctx.areas = new Map(areas.map((a) => [a.id, a]));
    ctx.communities = areas.filter((a) => a.level === 'community').sort((a, b) => a.name.localeCompare(b.name, 'zh'));
  }

  /**
   * The staff areas and every area below them. An admin with no staff area
   * works on the whole tree.
   */
  async function loadAreas(me) {
    if (!me.staff_areas.length && me.is_admin) {
      const all = await fetchAll('/areas');
      ctx.staffAreas = all.filter((a) => !a.parent_id);
      return all;
    }
    ctx.staffAreas = await Promise.all(me.staff_areas.map((id) => api('GET', `/areas/${id}`)));
    const found = [...ctx.staffAreas];
    let frontier = ctx.staffAreas.filter((a) => a.level !== 'community');
    while (frontier.length) {
      const children = (await Promise.all(frontier.map((a) => fetchAll('/areas', { parent_id: a.id })))).flat();
      found.push(...children);
      frontier = children.filter((a) => a.level !== 'community');
    }
    return dedupeById(found);
  }

  function dedupeById(list) {
    return [...new Map(list.map((x) => [x.id, x])).values()];
  }

  function communityName(id) {
    const a = ctx.areas.get(id);
    return a ? a.name : shortId(id);
  }

  function catalogueName(id) {
    const item = id && ctx.catalogueById.get(id);
    return item ? item.name : null;
  }

  function isStaffCommunity(id) {
    return ctx.communities.some((c) => c.id === id);
  }

  /** Nav badges: pending and open wishes over the staff areas (stats with no window = all time). */
  async function refreshCounts() {
    try {
      const all = await Promise.all(ctx.staffAreas.map((a) => api('GET', `/areas/${a.id}/stats`)));
      const counts = {};
      for (const st of all) {
        for (const [k, v] of Object.entries(st.by_status)) counts[k] = (counts[k] || 0) + v;
      }
      ctx.counts = counts;
      for (const el of $$('.nav-count')) {
        const n = counts[el.dataset.count] || 0;
        el.textContent = n > 99 ? '99+' : String(n);
        el.hidden = n === 0;
      }
    } catch {
      // The badges are a convenience; the views show their own errors.
    }
  }

  // ---------------------------------------------------------------------------
  // Dialogs
  // ---------------------------------------------------------------------------

  /**
   * Opens a modal form. `fields` are nodes placed in the form; `onSubmit(form)`
   * returns a promise, throws a `FormError` to keep the dialog open with
   * messages, or an ApiError whose field errors are shown beside the fields.
   */
  function openDialog({ title, testid, intro, fields, submitLabel, danger = false, onSubmit }) {
    const formError = h('p', { class: 'form-error', role: 'alert', 'data-testid': 'dialog-error', hidden: true });
    const submit = h('button', { type: 'submit', class: `btn ${danger ? 'btn-danger' : 'btn-primary'}`, 'data-testid': 'dialog-submit' }, submitLabel);
    const cancel = h('button', { type: 'button', class: 'btn btn-secondary', 'data-testid': 'dialog-cancel' }, '取消');
    const form = h('form', { class: 'form', novalidate: true },
      intro || null, fields, formError,
      h('div', { class: 'dialog-actions' }, h('span', { class: 'muted hint' }, 'Ctrl+Enter 提交 · Esc 取消'), cancel, submit));
    const dialog = h('dialog', { class: 'dialog', 'data-testid': testid, 'aria-labelledby': `${testid}-title` },
      h('div', { class: 'dialog-head' }, h('h3', { id: `${testid}-title` }, title)), form);

    const close = () => { dialog.close(); };
    cancel.addEventListener('click', close);
    dialog.addEventListener('close', () => dialog.remove());
    form.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) { e.preventDefault(); form.requestSubmit(); }
    });
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      clearFormErrors(form, formError);
      submit.disabled = true;
      const label = submit.textContent;
      submit.textContent = '提交中…';
      try {
        await onSubmit(form);
        close();
      } catch (err) {
        showFormErrors(form, formError, err);
      } finally {
        submit.disabled = false;
        submit.textContent = label;
      }
    });
    document.body.append(dialog);
    dialog.showModal();
    const first = $('[autofocus]', dialog) || $('input, select, textarea', dialog);
    if (first) first.focus();
    return dialog;
  }

  /** A validation failure found in the browser, by field name. */
  class FormError extends Error {
    constructor(errors) {
      super('表单有误');
      this.errors = errors;
    }
  }

  function clearFormErrors(form, formError) {
    formError.hidden = true;
    formError.textContent = '';
    for (const el of $$('.field-error', form)) { el.textContent = ''; el.hidden = true; }
    for (const el of $$('[aria-invalid]', form)) el.removeAttribute('aria-invalid');
  }

  function showFormErrors(form, formError, err) {
    const errors = err instanceof FormError ? err.errors : err instanceof ApiError ? err.errors : [];
    const unplaced = [];
    for (const e of errors) {
      const input = form.elements[e.field];
      const slot = input && $(`.field-error[data-for="${e.field}"]`, form);
      if (slot) {
        slot.textContent = e.message;
        slot.hidden = false;
        input.setAttribute('aria-invalid', 'true');
      } else {
        unplaced.push(e.message);
      }
    }
    const firstInvalid = $('[aria-invalid="true"]', form);
    if (firstInvalid) firstInvalid.focus();
    if (err instanceof ApiError && (!errors.length || unplaced.length)) {
      formError.textContent = unplaced.length ? unplaced.join(';') : err.userMessage();
      formError.hidden = false;
      if (err.status !== 422) toastError(err);
    } else if (!(err instanceof FormError) && !(err instanceof ApiError)) {
      formError.textContent = String(err.message || err);
      formError.hidden = false;
    }
  }

  /** A labelled field with a slot for its error message. */
  function field(label, input, { hint, required = false } = {}) {
    const name = input.getAttribute('name');
    if (required) input.setAttribute('aria-required', 'true');
    const err = h('p', { class: 'field-error', dataset: { for: name }, 'data-testid': `${name}-error`, id: `${input.id}-error`, hidden: true });
    input.setAttribute('aria-describedby', err.id);
    return h('div', { class: 'field' },
      h('label', { for: input.id }, label, required ? h('span', { class: 'required', 'aria-hidden': 'true' }, ' *') : null),
      input, hint ? h('p', { class: 'field-hint muted' }, hint) : null, err);
  }

  let uid = 0;
  const nextId = (prefix) => `${prefix}-${++uid}`;

  function wishSummary(wish) {
    return h('div', { class: 'dialog-summary' },
      h('strong', null, wish.title),
      h('span', { class: 'muted' }, ` · ${communityName(wish.community_id)} · ${wish.resident_name}`));
  }

  /** Asks for a note (required or not) and passes it on. */
  function noteDialog({ title, testid, wish, label, placeholder, required, submitLabel, danger, onSubmit }) {
    const textarea = h('textarea', {
      id: nextId('note'), name: 'note', rows: 4, maxlength: 500, placeholder,
      'data-testid': 'note-input', autofocus: true,
    });
    const counter = h('p', { class: 'field-hint muted counter' }, '0 / 500');
    textarea.addEventListener('input', () => { counter.textContent = `${textarea.value.length} / 500`; });
    return openDialog({
      title, testid, submitLabel, danger,
      intro: wish ? wishSummary(wish) : null,
      fields: [field(label, textarea, { required }), counter],
      onSubmit: async () => {
        const note = textarea.value.trim();
        if (required && !note) throw new FormError([{ field: 'note', message: '请填写说明,居民将看到这段文字' }]);
        await onSubmit(note || null);
      },
    });
  }

  // ---------------------------------------------------------------------------
  // Wish actions shared by the views
  // ---------------------------------------------------------------------------

  function approveDialog(wish, done) {
    const listSelect = h('select', { id: nextId('list'), name: 'list', 'data-testid': 'approve-list' },
      h('option', { value: '' }, '请选择服务清单'),
      Object.entries(LIST_LABELS).map(([v, label]) => h('option', { value: v }, label)));
    const itemSelect = h('select', { id: nextId('item'), name: 'catalogue_item_id', 'data-testid': 'approve-item' });
    const deadline = h('input', { id: nextId('deadline'), name: 'deadline', type: 'datetime-local', 'data-testid': 'approve-deadline', min: toLocalInput(new Date()) });
    const note = h('textarea', { id: nextId('note'), name: 'note', rows: 2, maxlength: 500, 'data-testid': 'approve-note', placeholder: '可选,如:情况属实,同意发布' });

    const fillItems = () => {
      const current = itemSelect.value || wish.catalogue_item_id || '';
      itemSelect.replaceChildren(h('option', { value: '' }, '不指定服务项目'), ...catalogueOptions(listSelect.value));
      itemSelect.value = ctx.catalogueById.get(current)?.list === listSelect.value ? current : '';
    };
    listSelect.addEventListener('change', fillItems);
    itemSelect.addEventListener('change', () => {
      const item = ctx.catalogueById.get(itemSelect.value);
      if (item && item.list !== listSelect.value) { listSelect.value = item.list; fillItems(); itemSelect.value = item.id; }
    });
    listSelect.value = wish.list || ctx.catalogueById.get(wish.catalogue_item_id)?.list || '';
    fillItems();

    openDialog({
      title: '审核通过', testid: 'approve-dialog', submitLabel: '通过并发布',
      intro: wishSummary(wish),
      fields: [
        h('div', { class: 'field-row' },
          field('服务清单', listSelect, { required: true }),
          field('服务项目', itemSelect, { hint: '居民已选的项目会预先选中' })),
        field('认领截止时间', deadline, { hint: '可选;超过截止时间仍无人认领将自动过期' }),
        field('审核意见', note),
      ],
      onSubmit: async () => {
        if (!listSelect.value) throw new FormError([{ field: 'list', message: '请选择服务清单' }]);
        let deadlineIso = null;
        if (deadline.value) {
          const d = new Date(deadline.value);
          if (!(d > new Date())) throw new FormError([{ field: 'deadline', message: '截止时间必须晚于当前时间' }]);
          deadlineIso = d.toISOString();
        }
        const updated = await wishAction(wish, 'approve', {
          list: listSelect.value,
          catalogue_item_id: itemSelect.value || null,
          deadline: deadlineIso,
          note: note.value.trim() || null,
        });
        toast('success', '已审核通过', `「${updated.title}」已发布为待认领`);
        done(updated);
      },
    });
  }

  /** Options grouped by catalogue group, for one list (or all lists). */
  function catalogueOptions(list) {
    const groups = new Map();
    for (const item of ctx.catalogue) {
      if (!item.active || (list && item.list !== list)) continue;
      const key = list ? item.group : `${LIST_LABELS[item.list]} · ${item.group}`;
      if (!groups.has(key)) groups.set(key, []);
      groups.get(key).push(item);
    }
    return [...groups.entries()].map(([group, items]) =>
      h('optgroup', { label: group }, items.map((i) => h('option', { value: i.id }, `${i.name}(${i.code})`))));
  }

  function toLocalInput(d) {
    return `${fmtDate(d)}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
  }

  function returnDialog(wish, done) {
    noteDialog({
      title: '退回修改', testid: 'return-dialog', wish, required: true, submitLabel: '退回',
      label: '退回说明', placeholder: '请告诉居民需要补充或修改什么',
      onSubmit: async (note) => {
        const updated = await wishAction(wish, 'return', { note });
        toast('success', '已退回', `「${updated.title}」已退回居民修改`);
        done(updated);
      },
    });
  }

  function rejectDialog(wish, done) {
    noteDialog({
      title: '审核不通过', testid: 'reject-dialog', wish, required: true, submitLabel: '确认不通过', danger: true,
      label: '不通过原因', placeholder: '请说明不予通过的原因',
      onSubmit: async (note) => {
        const updated = await wishAction(wish, 'reject', { note });
        toast('success', '已标记为未通过', `「${updated.title}」审核不通过`);
        done(updated);
      },
    });
  }

  function cancelDialog(wish, done) {
    noteDialog({
      title: '取消心愿', testid: 'cancel-dialog', wish, required: true, submitLabel: '确认取消', danger: true,
      label: '取消原因', placeholder: '请说明取消的原因,居民和认领方将收到通知',
      onSubmit: async (note) => {
        const updated = await wishAction(wish, 'cancel', { note });
        toast('success', '心愿已取消', `「${updated.title}」已取消`);
        done(updated);
      },
    });
  }

  function releaseDialog(wish, done) {
    noteDialog({
      title: '释放认领', testid: 'release-dialog', wish, required: true, submitLabel: '释放',
      label: '释放原因', placeholder: '例如:认领方无法按时完成,重新派单',
      onSubmit: async (note) => {
        const updated = await wishAction(wish, 'release', { note });
        toast('success', '已释放', `「${updated.title}」重新回到待认领`);
        done(updated);
      },
    });
  }

  function dispatchDialog(wish, match, done) {
    openDialog({
      title: '确认派单', testid: 'dispatch-dialog', submitLabel: '确认派单',
      intro: wishSummary(wish),
      fields: [h('p', { class: 'dialog-text' }, '将此心愿派给 ',
        h('strong', { 'data-testid': 'dispatch-target' }, match.name),
        `(${CLAIMANT_KINDS[match.kind]},${MATCH_SCORES[match.score] || ''},当前在办 ${match.held} 件)?派单后心愿状态变为“已认领”。`)],
      onSubmit: async () => {
        const body = match.kind === 'unit' ? { unit_id: match.id } : { user_id: match.id };
        const updated = await wishAction(wish, 'assign', body);
        toast('success', '派单成功', `「${updated.title}」已派给 ${match.name}`);
        done(updated);
      },
    });
  }

  /** The key facts of a wish as a definition list. */
  function wishFacts(wish) {
    const item = catalogueName(wish.catalogue_item_id);
    const rows = [
      ['居民', h('span', { 'data-testid': 'detail-resident' }, wish.resident_name)],
      ['联系电话', wish.contact_phone
        ? h('a', { href: `tel:${wish.contact_phone}`, 'data-testid': 'detail-phone' }, wish.contact_phone)
        : h('span', { class: 'muted' }, '未提供')],
      ['地址', wish.address || h('span', { class: 'muted' }, '未提供')],
      ['所属社区', communityName(wish.community_id)],
      ['服务清单', listTag(wish.list)],
      ['服务项目', item || h('span', { class: 'muted' }, '未选择')],
      ['提交时间', fmtDateTime(wish.created_at)],
      ['认领截止', fmtDateTime(wish.deadline)],
    ];
    if (wish.claimant) {
      rows.push(['认领方', h('span', { 'data-testid': 'detail-claimant' }, `${wish.claimant.name}(${CLAIMANT_KINDS[wish.claimant.kind]})`)]);
      rows.push(['认领时间', fmtDateTime(wish.claimed_at)]);
    }
    if (wish.review_note) rows.push(['审核意见', wish.review_note]);
    if (wish.fulfilled_at) rows.push(['完成服务', `${fmtDateTime(wish.fulfilled_at)}${wish.hours ? `,服务 ${wish.hours} 小时` : ''}`]);
    if (wish.completed_at) rows.push(['居民确认', fmtDateTime(wish.completed_at)]);
    if (wish.rating) rows.push(['评价', h('span', { class: 'stars', title: `${wish.rating} 星` }, '★'.repeat(wish.rating) + '☆'.repeat(5 - wish.rating))]);
    if (wish.feedback) rows.push(['居民反馈', wish.feedback]);
    return h('dl', { class: 'facts' }, rows.map(([k, v]) => [h('dt', null, k), h('dd', null, v)]));
  }

  // ---------------------------------------------------------------------------
  // Shared list/detail view state (queue and active wishes)
  // ---------------------------------------------------------------------------

  /** Selects row `index` of a wish table and scrolls it into view. */
  function selectRow(state, index, focus = true) {
    if (!state.items.length) return;
    state.selected = Math.max(0, Math.min(index, state.items.length - 1));
    for (const [i, tr] of $$('tbody tr[data-wish-id]', state.table).entries()) {
      const on = i === state.selected;
      tr.classList.toggle('selected', on);
      tr.setAttribute('aria-selected', on ? 'true' : 'false');
      tr.tabIndex = on ? 0 : -1;
      if (on && focus) { tr.focus({ preventScroll: true }); tr.scrollIntoView({ block: 'nearest' }); }
    }
    state.renderDetail();
  }

  function selectedWish(state) {
    const item = state.items[state.selected];
    return item ? state.details.get(item.id) || item : null;
  }

  /** Full wishes (with contact data) for list items, fetched a few at a time. */
  async function loadDetails(state, items, onEach) {
    await mapLimit(items, 6, async (item) => {
      try {
        const full = await api('GET', `/wishes/${item.id}`);
        state.details.set(item.id, full);
        onEach(full);
      } catch (err) {
        if (err.status !== 404) toastError(err, '加载心愿详情失败');
      }
    });
  }

  function rowKeys(e, state) {
    if (e.key === 'j' || e.key === 'ArrowDown') { selectRow(state, state.selected + 1); return true; }
    if (e.key === 'k' || e.key === 'ArrowUp') { selectRow(state, state.selected - 1); return true; }
    if (e.key === 'Home') { selectRow(state, 0); return true; }
    if (e.key === 'End') { selectRow(state, state.items.length - 1); return true; }
    if (e.key === 'Enter' && e.target.matches('tr[data-wish-id]')) {
      const first = $('.detail-actions button', state.detailEl);
      if (first) first.focus();
      return true;
    }
    if (e.key === 't') {
      const wish = selectedWish(state);
      if (wish) location.hash = `#/wish/${wish.id}`;
      return Boolean(wish);
    }
    return false;
  }

  /** Removes a wish that left the list and selects its neighbour. */
  function dropItem(state, id) {
    const i = state.items.findIndex((w) => w.id === id);
    if (i < 0) return;
    state.items.splice(i, 1);
    $(`tr[data-wish-id="${id}"]`, state.table)?.remove();
    renumber(state);
    if (!state.items.length) state.showEmpty();
    else selectRow(state, Math.min(i, state.items.length - 1));
    refreshCounts();
  }

  function renumber(state) {
    for (const [i, cell] of $$('td.num', state.table).entries()) cell.textContent = String(i + 1);
  }

  /** The community a view starts with: all of them ('') when there are several. */
  function defaultCommunity(pref) {
    return pref ?? (manyCommunities() ? '' : ctx.communities[0]?.id || '');
  }

  /** Whether lists need a community column and an "all" choice. */
  function manyCommunities() {
    return ctx.communities.length > 1;
  }

  /** Table headers; the community column only when there are several communities. */
  function headers(names) {
    return h('thead', null, h('tr', null,
      names.filter((n) => n !== '社区' || manyCommunities()).map((n) => h('th', { scope: 'col' }, n))));
  }

  /** A community cell, or nothing when there is one community. */
  function communityCell(id) {
    return manyCommunities() ? h('td', { class: 'nowrap' }, communityName(id)) : null;
  }

  function communitySelect(value, onChange, testid = 'community-filter') {
    const sel = h('select', { id: nextId('community'), 'data-testid': testid },
      manyCommunities() ? h('option', { value: '' }, '全部社区') : null,
      ctx.communities.map((c) => h('option', { value: c.id }, c.name)));
    sel.value = defaultCommunity(value);
    sel.addEventListener('change', () => onChange(sel.value));
    return h('div', { class: 'inline-field' }, h('label', { for: sel.id }, '社区'), sel);
  }

  /** One page of wishes in the staff communities, filtered client-side when no community is chosen. */
  async function fetchWishPage({ status, community, order, cursor }) {
    const page = await api('GET', '/wishes', {
      query: { status, community_id: community || null, order, limit: PAGE_SIZE, cursor },
    });
    // Without a community filter the list also holds public wishes elsewhere
    // and the caller's own wishes as a resident: keep the staff areas only.
    const items = page.items.filter((w) => w.status === status && isStaffCommunity(w.community_id));
    return { items, next: page.next_cursor };
  }

  // ---------------------------------------------------------------------------
  // View: review queue (审核队列)
  // ---------------------------------------------------------------------------

  const queuePrefs = { community: null };

  function renderQueue(view, live) {
    const state = {
      items: [], details: new Map(), selected: 0, cursor: null, table: null, detailEl: null, live,
      renderDetail: () => renderQueueDetail(state),
      showEmpty: () => showListEmpty(state, '审核队列已清空', '当前没有待审核的心愿,新的提交会出现在这里。'),
    };
    const listEl = h('div', { class: 'card list-card', 'data-testid': 'queue-list' }, loading());
    state.listEl = listEl;
    state.detailEl = h('aside', { class: 'card detail-card', 'data-testid': 'wish-detail', 'aria-label': '心愿详情' },
      h('p', { class: 'muted' }, '选择一条心愿查看详情'));
    const reload = rerender;

    view.replaceChildren(
      pageHeader('审核队列', '待审核的心愿,按提交时间从早到晚排列;请核实居民信息后审核。',
        communitySelect(queuePrefs.community, (v) => { queuePrefs.community = v; reload(); }),
        h('button', { type: 'button', class: 'btn btn-secondary', onclick: reload, 'data-testid': 'queue-refresh' }, '刷新')),
      h('div', { class: 'split' }, listEl, state.detailEl));

    loadQueuePage(state, live, true);
    return { onKey: (e) => queueKeys(e, state) };
  }

  async function loadQueuePage(state, live, first) {
    const community = defaultCommunity(queuePrefs.community);
    try {
      // Skip pages emptied by the client-side filter until something shows.
      let page;
      do {
        page = await fetchWishPage({ status: 'pending_review', community, order: 'oldest', cursor: state.cursor });
        state.cursor = page.next;
      } while (!page.items.length && page.next);
      if (!live()) return;
      appendQueueRows(state, page.items, first);
      loadDetails(state, page.items, (full) => fillQueueRow(state, full));
    } catch (err) {
      if (!live()) return;
      state.listEl.replaceChildren(errorBox(err, () => { state.cursor = null; loadQueuePage(state, live, true); }));
    }
  }

  function appendQueueRows(state, items, first) {
    if (first) {
      state.items = [];
      if (!items.length) { state.showEmpty(); return; }
      // role=grid: the rows are selectable with the arrow keys (roving tabindex).
      state.table = h('table', { class: 'table', role: 'grid', 'aria-label': '待审核心愿', 'data-testid': 'queue-table' },
        h('caption', { class: 'sr-only' }, '待审核心愿,按提交时间从早到晚'),
        headers(['#', '提交时间', '心愿', '居民 / 联系电话', '社区', '清单']),
        h('tbody'));
      state.listEl.replaceChildren(state.table);
    }
    const tbody = $('tbody', state.table);
    for (const w of items) {
      state.items.push(w);
      tbody.append(queueRow(state, w, state.items.length - 1));
    }
    updateMore(state, () => loadQueuePage(state, state.live, false));
    if (first) selectRow(state, 0, false);
  }

  function queueRow(state, w, index) {
    const tr = h('tr', {
      tabindex: -1, 'data-testid': 'queue-row', dataset: { wishId: w.id, created: w.created_at },
      'aria-selected': 'false',
      onclick: () => selectRow(state, state.items.indexOf(w)),
    },
    h('td', { class: 'num' }, index + 1),
    h('td', { class: 'nowrap' }, h('div', null, fmtDateTime(w.created_at)), h('div', { class: 'muted small' }, `已等待 ${fmtAge(w.created_at)}`)),
    h('td', { class: 'title-cell' }, h('div', { class: 'wish-title', 'data-testid': 'queue-title' }, w.title),
      h('div', { class: 'muted small clamp' }, w.description)),
    h('td', { class: 'nowrap' }, h('div', null, w.resident_name),
      h('div', { class: 'small', 'data-testid': 'queue-phone' }, h('span', { class: 'muted' }, '…'))),
    communityCell(w.community_id),
    h('td', { class: 'nowrap' }, listTag(w.list)));
    return tr;
  }

  function fillQueueRow(state, full) {
    const cell = $(`tr[data-wish-id="${full.id}"] [data-testid="queue-phone"]`, state.table);
    if (cell) cell.replaceChildren(full.contact_phone || h('span', { class: 'muted' }, '未提供'));
    if (selectedWish(state)?.id === full.id) state.renderDetail();
  }

  function updateMore(state, loadMore) {
    $('.more', state.listEl)?.remove();
    if (!state.cursor) return;
    const btn = h('button', { type: 'button', class: 'btn btn-secondary', 'data-testid': 'load-more' }, '加载更多');
    btn.addEventListener('click', () => { btn.disabled = true; btn.textContent = '正在加载…'; loadMore(); });
    state.listEl.append(h('div', { class: 'more' }, btn));
  }

  function showListEmpty(state, title, hint) {
    state.items = [];
    state.listEl.replaceChildren(emptyState(title, hint));
    state.detailEl.replaceChildren(h('p', { class: 'muted' }, '没有可显示的心愿'));
  }

  function renderQueueDetail(state) {
    const wish = selectedWish(state);
    if (!wish) return;
    const full = state.details.has(wish.id);
    const done = () => dropItem(state, wish.id);
    state.detailEl.replaceChildren(
      h('div', { class: 'detail-head' }, h('h3', { 'data-testid': 'detail-title' }, wish.title), statusBadge(wish.status)),
      h('p', { class: 'detail-desc' }, wish.description),
      full ? wishFacts(wish) : loading('正在加载联系方式…'),
      h('div', { class: 'detail-actions' },
        actionButton('通过', 'A', 'btn-primary', 'approve-btn', () => approveDialog(wish, done), !full),
        actionButton('退回', 'R', 'btn-secondary', 'return-btn', () => returnDialog(wish, done), !full),
        actionButton('不通过', 'X', 'btn-danger-outline', 'reject-btn', () => rejectDialog(wish, done), !full),
        h('a', { class: 'btn btn-link', href: `#/wish/${wish.id}`, 'data-testid': 'timeline-link' }, '时间线 ', h('kbd', null, 'T'))));
  }

  function actionButton(label, key, cls, testid, onClick, disabled = false) {
    return h('button', { type: 'button', class: `btn ${cls}`, 'data-testid': testid, onclick: onClick, disabled, 'aria-keyshortcuts': key },
      label, ' ', h('kbd', null, key));
  }

  function queueKeys(e, state) {
    if (rowKeys(e, state)) return true;
    const wish = selectedWish(state);
    if (!wish || !state.details.has(wish.id)) return false;
    const done = () => dropItem(state, wish.id);
    if (e.key === 'a') { approveDialog(wish, done); return true; }
    if (e.key === 'r') { returnDialog(wish, done); return true; }
    if (e.key === 'x') { rejectDialog(wish, done); return true; }
    return false;
  }

  // ---------------------------------------------------------------------------
  // View: open and claimed wishes, matches and dispatch (办理与派单)
  // ---------------------------------------------------------------------------

  const activePrefs = { status: 'open', community: null };

  function renderActive(view, live) {
    const state = {
      items: [], details: new Map(), matches: new Map(), selected: 0, cursor: null, table: null, detailEl: null, live,
      renderDetail: () => renderActiveDetail(state, live),
      showEmpty: () => showListEmpty(state,
        activePrefs.status === 'open' ? '没有待认领的心愿' : '没有已认领的心愿', '审核通过的心愿会出现在这里。'),
    };
    const reload = rerender;
    state.reload = reload;
    const tabs = h('div', { class: 'tabs', role: 'tablist', 'aria-label': '心愿状态' },
      ['open', 'claimed'].map((st) => h('button', {
        type: 'button', role: 'tab', class: 'tab', 'aria-selected': activePrefs.status === st ? 'true' : 'false',
        'data-testid': `tab-${st}`, onclick: () => { activePrefs.status = st; reload(); },
      }, STATUS_LABELS[st], ctx.counts[st] ? h('span', { class: 'tab-count' }, ctx.counts[st]) : null)));
    state.listEl = h('div', { class: 'card list-card', 'data-testid': 'active-list' }, loading());
    state.detailEl = h('aside', { class: 'card detail-card', 'data-testid': 'wish-detail', 'aria-label': '心愿详情' },
      h('p', { class: 'muted' }, '选择一条心愿查看推荐的服务方'));

    view.replaceChildren(
      pageHeader('办理与派单', '待认领和已认领的心愿;按匹配度推荐服务方,可直接派单。',
        communitySelect(activePrefs.community, (v) => { activePrefs.community = v; reload(); }),
        h('button', { type: 'button', class: 'btn btn-secondary', onclick: reload }, '刷新')),
      tabs,
      h('div', { class: 'split' }, state.listEl, state.detailEl));

    loadActivePage(state, live, true);
    return { onKey: (e) => activeKeys(e, state) };
  }

  async function loadActivePage(state, live, first) {
    const community = defaultCommunity(activePrefs.community);
    try {
      let page;
      do {
        page = await fetchWishPage({ status: activePrefs.status, community, order: 'oldest', cursor: state.cursor });
        state.cursor = page.next;
      } while (!page.items.length && page.next);
      if (!live()) return;
      appendActiveRows(state, page.items, first);
      loadDetails(state, page.items, (full) => { if (selectedWish(state)?.id === full.id) state.renderDetail(); });
    } catch (err) {
      if (!live()) return;
      state.listEl.replaceChildren(errorBox(err, state.reload));
    }
  }

  function appendActiveRows(state, items, first) {
    if (first) {
      state.items = [];
      if (!items.length) { state.showEmpty(); return; }
      const claimed = activePrefs.status === 'claimed';
      state.table = h('table', { class: 'table', role: 'grid', 'aria-label': `${STATUS_LABELS[activePrefs.status]}的心愿`, 'data-testid': 'active-table' },
        headers(['#', '心愿', '社区', '清单', claimed ? '认领方' : '提交时间', claimed ? '认领时间' : '认领截止']),
        h('tbody'));
      state.listEl.replaceChildren(state.table);
    }
    const tbody = $('tbody', state.table);
    for (const w of items) {
      state.items.push(w);
      tbody.append(activeRow(state, w, state.items.length - 1));
    }
    updateMore(state, () => loadActivePage(state, state.live, false));
    if (first) selectRow(state, 0, false);
  }

  function activeRow(state, w, index) {
    const claimed = w.status === 'claimed';
    return h('tr', {
      tabindex: -1, 'data-testid': 'active-row', dataset: { wishId: w.id }, 'aria-selected': 'false',
      onclick: () => selectRow(state, state.items.indexOf(w)),
    },
    h('td', { class: 'num' }, index + 1),
    h('td', { class: 'title-cell' }, h('div', { class: 'wish-title' }, w.title),
      h('div', { class: 'muted small' }, catalogueName(w.catalogue_item_id) || '未选择服务项目')),
    communityCell(w.community_id),
    h('td', { class: 'nowrap' }, listTag(w.list)),
    h('td', { class: 'nowrap' }, claimed ? (w.claimant ? w.claimant.name : '—') : fmtDateTime(w.created_at)),
    h('td', { class: 'nowrap' }, claimed ? fmtDateTime(w.claimed_at) : fmtDateTime(w.deadline)));
  }

  function renderActiveDetail(state, live) {
    const wish = selectedWish(state);
    if (!wish) return;
    const full = state.details.has(wish.id);
    const leave = () => dropItem(state, wish.id);
    const matchesEl = h('section', { class: 'matches', 'data-testid': 'matches' }, h('h4', null, '推荐服务方'), loading('正在匹配服务方…'));
    const actions = [];
    if (wish.status === 'claimed') actions.push(actionButton('释放', 'L', 'btn-secondary', 'release-btn', () => releaseDialog(wish, leave), !full));
    actions.push(actionButton('取消心愿', 'C', 'btn-danger-outline', 'cancel-btn', () => cancelDialog(wish, leave), !full));
    state.detailEl.replaceChildren(
      h('div', { class: 'detail-head' }, h('h3', { 'data-testid': 'detail-title' }, wish.title), statusBadge(wish.status)),
      h('p', { class: 'detail-desc' }, wish.description),
      full ? wishFacts(wish) : loading('正在加载详情…'),
      matchesEl,
      h('div', { class: 'detail-actions' }, actions,
        h('a', { class: 'btn btn-link', href: `#/wish/${wish.id}`, 'data-testid': 'timeline-link' }, '时间线 ', h('kbd', null, 'T'))));
    if (full) loadMatches(state, wish, matchesEl, live);
  }

  async function loadMatches(state, wish, el, live) {
    try {
      if (!state.matches.has(wish.id)) state.matches.set(wish.id, await api('GET', `/wishes/${wish.id}/matches`, { query: { limit: 10 } }));
      if (!live() || !el.isConnected) return;
      el.replaceChildren(h('h4', null, '推荐服务方'), matchesTable(state, wish, state.matches.get(wish.id)));
    } catch (err) {
      if (live() && el.isConnected) el.replaceChildren(h('h4', null, '推荐服务方'), errorBox(err, () => state.renderDetail()));
    }
  }

  function matchesTable(state, wish, matches) {
    if (!matches.length) return emptyState('暂无可派单的服务方', '请先审核报到申请或添加共建单位。');
    const canAssign = wish.status === 'open';
    return h('div', null,
      canAssign ? null : h('p', { class: 'muted small' }, `当前由 ${wish.claimant ? wish.claimant.name : '—'} 认领;如需改派,请先释放。`),
      h('table', { class: 'table table-compact', 'data-testid': 'matches-table' },
        h('thead', null, h('tr', null, ['服务方', '类型', '匹配度', '在办', ''].map((t) => h('th', { scope: 'col' }, t)))),
        h('tbody', null, matches.map((m, i) => h('tr', { 'data-testid': 'match-row', dataset: { kind: m.kind, providerId: m.id } },
          h('td', null, m.name, i === 0 ? h('span', { class: 'tag tag-best' }, '首选') : null),
          h('td', null, CLAIMANT_KINDS[m.kind] || m.kind),
          h('td', null, scoreMeter(m.score)),
          h('td', null, m.held),
          h('td', { class: 'right' }, canAssign
            ? h('button', {
              type: 'button', class: 'btn btn-primary btn-sm', 'data-testid': 'dispatch-btn',
              onclick: () => dispatchDialog(wish, m, () => dropItem(state, wish.id)),
            }, '派单')
            : null))))));
  }

  function scoreMeter(score) {
    return h('span', { class: `score score-${score}`, title: MATCH_SCORES[score] || '' },
      h('span', { class: 'score-dots', 'aria-hidden': 'true' }, '●'.repeat(score + 1) + '○'.repeat(2 - score)),
      ' ', MATCH_SCORES[score] || score);
  }

  function activeKeys(e, state) {
    if (rowKeys(e, state)) return true;
    const wish = selectedWish(state);
    if (!wish || !state.details.has(wish.id)) return false;
    const leave = () => dropItem(state, wish.id);
    if (e.key === 'c') { cancelDialog(wish, leave); return true; }
    if (e.key === 'l' && wish.status === 'claimed') { releaseDialog(wish, leave); return true; }
    if (e.key === 'd' && wish.status === 'open') {
      const best = state.matches.get(wish.id)?.[0];
      if (best) dispatchDialog(wish, best, leave);
      return Boolean(best);
    }
    return false;
  }

  // ---------------------------------------------------------------------------
  // View: one wish and its timeline (心愿详情与时间线)
  // ---------------------------------------------------------------------------

  function renderWish(view, live, id) {
    // Back goes to the previous view when there is one (a handler, not a
    // javascript: URL, which the CSP forbids); the link itself leads to the queue.
    const back = h('a', { href: '#/queue', class: 'back-link', 'data-testid': 'back-link' }, '← 返回');
    back.addEventListener('click', (e) => { if (history.length > 1) { e.preventDefault(); history.back(); } });
    view.replaceChildren(back, loading());
    const page = { wish: null };
    loadWish(view, live, id, back, page);
    return { onKey: (e) => wishKeys(e, page) };
  }

  /** A/R/X on a pending wish's own page, as in the queue. */
  function wishKeys(e, page) {
    const wish = page.wish;
    if (!wish || wish.status !== 'pending_review') return false;
    const actions = { a: approveDialog, r: returnDialog, x: rejectDialog };
    if (!actions[e.key]) return false;
    actions[e.key](wish, page.refresh);
    return true;
  }

  async function loadWish(view, live, id, back, page) {
    try {
      const [wish, events] = await Promise.all([api('GET', `/wishes/${id}`), api('GET', `/wishes/${id}/events`)]);
      if (!live()) return;
      const refresh = () => { refreshCounts(); loadWish(view, live, id, back, page); };
      Object.assign(page, { wish, refresh });
      const actions = wishPageActions(wish, refresh);
      view.replaceChildren(back,
        h('div', { class: 'page-header' },
          h('div', null, h('h2', { 'data-testid': 'page-title' }, wish.title),
            h('p', { class: 'muted' }, `${communityName(wish.community_id)} · 编号 ${shortId(wish.id)} · 版本 ${wish.version}`)),
          h('div', { class: 'toolbar' }, statusBadge(wish.status))),
        h('div', { class: 'split split-even' },
          h('section', { class: 'card' }, h('h3', { class: 'card-title' }, '心愿信息'),
            h('p', { class: 'detail-desc' }, wish.description), wishFacts(wish),
            actions.length ? h('div', { class: 'detail-actions' }, actions) : null),
          h('section', { class: 'card' }, h('h3', { class: 'card-title' }, '办理时间线'), timeline(wish, events))));
    } catch (err) {
      if (!live()) return;
      view.replaceChildren(back, err.status === 404
        ? emptyState('找不到这条心愿', '它可能不在您负责的社区,或编号有误。')
        : errorBox(err, () => loadWish(view, live, id, back, page)));
    }
  }

  /** The staff actions that the wish's status allows. */
  function wishPageActions(wish, refresh) {
    const out = [];
    if (wish.status === 'pending_review') {
      out.push(actionButton('通过', 'A', 'btn-primary', 'approve-btn', () => approveDialog(wish, refresh)));
      out.push(actionButton('退回', 'R', 'btn-secondary', 'return-btn', () => returnDialog(wish, refresh)));
      out.push(actionButton('不通过', 'X', 'btn-danger-outline', 'reject-btn', () => rejectDialog(wish, refresh)));
    }
    if (wish.status === 'open') {
      out.push(h('a', { class: 'btn btn-primary', href: '#/active', 'data-testid': 'goto-dispatch' }, '去派单'));
    }
    if (wish.status === 'claimed') {
      out.push(h('button', { type: 'button', class: 'btn btn-secondary', onclick: () => releaseDialog(wish, refresh) }, '释放'));
    }
    if (['pending_review', 'returned', 'open', 'claimed', 'fulfilled'].includes(wish.status)) {
      out.push(h('button', { type: 'button', class: 'btn btn-danger-outline', 'data-testid': 'cancel-btn', onclick: () => cancelDialog(wish, refresh) }, '取消心愿'));
    }
    return out;
  }

  function timeline(wish, events) {
    if (!events.length) return emptyState('暂无记录');
    return h('ol', { class: 'timeline', 'data-testid': 'timeline' }, events.map((ev) =>
      h('li', { class: `timeline-item to-${ev.to_status}`, 'data-testid': 'timeline-event', dataset: { action: ev.action } },
        h('span', { class: 'timeline-dot', 'aria-hidden': 'true' }),
        h('div', { class: 'timeline-body' },
          h('div', { class: 'timeline-head' },
            h('strong', null, ACTION_LABELS[ev.action] || ev.action),
            h('span', { class: 'muted small' }, fmtDateTime(ev.created_at))),
          h('div', { class: 'timeline-meta' },
            ev.from_status ? [statusBadge(ev.from_status), h('span', { class: 'arrow', 'aria-label': '变为' }, '→')] : null,
            statusBadge(ev.to_status),
            h('span', { class: 'muted small actor' }, actorLabel(wish, ev))),
          ev.note ? h('p', { class: 'timeline-note' }, ev.note) : null))));
  }

  /** Names the actor where the wish tells us who it is; otherwise the usual role. */
  function actorLabel(wish, ev) {
    if (!ev.actor_id) return '系统自动';
    if (ev.actor_id === ctx.me.id) return '我';
    if (ev.actor_id === wish.resident_id) return `居民 ${wish.resident_name}`;
    if (wish.claimant && ev.actor_id === wish.claimant.id) return `认领方 ${wish.claimant.name}`;
    return ACTION_ROLES[ev.action] || '用户';
  }

  // ---------------------------------------------------------------------------
  // View: registrations waiting for approval (报到审核)
  // ---------------------------------------------------------------------------

  const regPrefs = { community: null };

  function renderRegistrations(view, live) {
    const listEl = h('div', { class: 'card', 'data-testid': 'registrations' }, loading());
    const reload = rerender;
    view.replaceChildren(
      pageHeader('报到审核', '在职党员、志愿者到社区报到的申请;通过后即可认领本社区的心愿。',
        communitySelect(regPrefs.community, (v) => { regPrefs.community = v; reload(); }),
        h('button', { type: 'button', class: 'btn btn-secondary', onclick: reload }, '刷新')),
      listEl);
    loadRegistrations(listEl, live, reload);
    return {};
  }

  function chosenCommunities(pref) {
    const id = defaultCommunity(pref);
    return id ? ctx.communities.filter((c) => c.id === id) : ctx.communities;
  }

  async function loadRegistrations(listEl, live, reload) {
    try {
      const communities = chosenCommunities(regPrefs.community);
      const lists = await mapLimit(communities, 4, (c) => fetchAll(`/communities/${c.id}/registrations`, { status: 'pending' }));
      if (!live()) return;
      const regs = lists.flat().sort((a, b) => a.created_at.localeCompare(b.created_at));
      if (!regs.length) { listEl.replaceChildren(emptyState('没有待审核的报到申请', '居民提交报到申请后会出现在这里。')); return; }
      listEl.replaceChildren(h('table', { class: 'table', 'data-testid': 'registrations-table' },
        headers(['申请人', '类型', '社区', '申请说明', '申请时间', '操作']),
        h('tbody', null, regs.map((r) => registrationRow(r, reload)))));
    } catch (err) {
      if (live()) listEl.replaceChildren(errorBox(err, reload));
    }
  }

  function registrationRow(r, reload) {
    const answer = (action) => noteDialog({
      title: action === 'approve' ? '通过报到申请' : '不通过报到申请',
      testid: `registration-${action}-dialog`, required: false, danger: action === 'reject',
      label: '审核意见', placeholder: '可选', submitLabel: action === 'approve' ? '通过' : '不通过',
      onSubmit: async (note) => {
        await api('POST', `/registrations/${r.id}/${action}`, { body: { note } });
        toast('success', action === 'approve' ? '报到已通过' : '报到未通过', `${REGISTRATION_KINDS[r.kind]}申请已处理`);
        reload();
      },
    });
    return h('tr', { 'data-testid': 'registration-row', dataset: { registrationId: r.id } },
      // The API gives only the user's id for a registration (no name).
      h('td', { class: 'nowrap' }, h('span', { class: 'mono', title: r.user_id }, `用户 ${shortId(r.user_id)}`)),
      h('td', null, h('span', { class: `tag tag-${r.kind}` }, REGISTRATION_KINDS[r.kind] || r.kind)),
      communityCell(r.community_id),
      h('td', null, r.note || h('span', { class: 'muted' }, '无')),
      h('td', { class: 'nowrap' }, fmtDateTime(r.created_at)),
      h('td', { class: 'right nowrap' },
        h('button', { type: 'button', class: 'btn btn-primary btn-sm', 'data-testid': 'registration-approve', onclick: () => answer('approve') }, '通过'),
        ' ',
        h('button', { type: 'button', class: 'btn btn-danger-outline btn-sm', 'data-testid': 'registration-reject', onclick: () => answer('reject') }, '不通过')));
  }

  // ---------------------------------------------------------------------------
  // View: partner units (共建单位)
  // ---------------------------------------------------------------------------

  function renderPartners(view, live) {
    const body = h('div', { 'data-testid': 'partners' }, loading());
    view.replaceChildren(
      pageHeader('共建单位', '“5+X+Y”:每个社区最多 5 家结对共建单位,另有驻区单位和志愿力量。'),
      body);
    loadPartners(body, live);
    return {};
  }

  async function loadPartners(body, live) {
    try {
      const lists = await mapLimit(ctx.communities, 4, (c) => api('GET', `/communities/${c.id}/partners`));
      if (!live()) return;
      if (!ctx.communities.length) { body.replaceChildren(emptyState('没有负责的社区')); return; }
      body.replaceChildren(...ctx.communities.map((c, i) => partnerCard(c, lists[i])));
    } catch (err) {
      if (live()) body.replaceChildren(errorBox(err, () => loadPartners(body, live)));
    }
  }

  function partnerCard(community, partners) {
    const paired = partners.filter((p) => p.kind === 'paired').length;
    return h('section', { class: 'card', 'data-testid': 'partner-card' },
      h('div', { class: 'card-head' }, h('h3', { class: 'card-title' }, community.name),
        h('span', { class: 'muted' }, `结对共建 ${paired}/5 · 驻区单位 ${partners.length - paired}`)),
      partners.length
        ? h('table', { class: 'table', 'data-testid': 'partners-table' },
          h('thead', null, h('tr', null, ['单位名称', '单位类型', '合作方式', '加入时间'].map((t) => h('th', { scope: 'col' }, t)))),
          h('tbody', null, partners.map((p) => h('tr', { 'data-testid': 'partner-row' },
            h('td', null, p.name),
            h('td', null, UNIT_KINDS[p.unit_kind] || p.unit_kind),
            h('td', null, h('span', { class: `tag tag-${p.kind}` }, PARTNER_KINDS[p.kind] || p.kind)),
            h('td', null, fmtDateTime(p.created_at))))))
        : emptyState('暂无共建单位'));
  }

  // ---------------------------------------------------------------------------
  // View: statistics with SVG charts (统计分析)
  // ---------------------------------------------------------------------------

  const statsPrefs = { area: null, weeks: 12 };

  function renderStats(view, live) {
    const areas = areaTree();
    if (!statsPrefs.area || !ctx.areas.has(statsPrefs.area)) statsPrefs.area = areas[0]?.area.id;
    const areaSel = h('select', { id: nextId('area'), 'data-testid': 'stats-area' },
      areas.map(({ area, depth }) => h('option', { value: area.id }, `${'\u3000'.repeat(depth)}${area.name}(${LEVEL_LABELS[area.level]})`)));
    areaSel.value = statsPrefs.area;
    const weeksSel = h('select', { id: nextId('weeks'), 'data-testid': 'stats-weeks' },
      [8, 12].map((n) => h('option', { value: n }, `近 ${n} 周`)));
    weeksSel.value = String(statsPrefs.weeks);
    const reload = rerender;
    areaSel.addEventListener('change', () => { statsPrefs.area = areaSel.value; reload(); });
    weeksSel.addEventListener('change', () => { statsPrefs.weeks = Number(weeksSel.value); reload(); });

    const windowInfo = statsWindow(statsPrefs.weeks);
    const exportBtn = h('button', { type: 'button', class: 'btn btn-primary', 'data-testid': 'csv-export' }, '导出 CSV');
    exportBtn.addEventListener('click', () => exportCsv(exportBtn, windowInfo));
    const body = h('div', { class: 'stats-body', 'data-testid': 'stats' }, loading('正在统计…'));
    view.replaceChildren(
      pageHeader('统计分析', `${fmtDate(windowInfo.from)} 至 ${fmtDate(windowInfo.now)} 提交的心愿(按周,周一起算)`,
        h('div', { class: 'inline-field' }, h('label', { for: areaSel.id }, '区域'), areaSel),
        h('div', { class: 'inline-field' }, h('label', { for: weeksSel.id }, '时间'), weeksSel),
        exportBtn),
      body);
    loadStats(body, live, windowInfo);
    return {};
  }

  /** The staff areas and everything below them, depth first, for a tree-like select. */
  function areaTree() {
    const children = new Map();
    for (const a of ctx.areas.values()) {
      if (!children.has(a.parent_id)) children.set(a.parent_id, []);
      children.get(a.parent_id).push(a);
    }
    const out = [];
    const walk = (area, depth) => {
      out.push({ area, depth });
      const kids = (children.get(area.id) || []).sort((a, b) => a.name.localeCompare(b.name, 'zh'));
      for (const k of kids) walk(k, depth + 1);
    };
    for (const root of ctx.staffAreas) walk(root, 0);
    return out;
  }

  /** Week windows [from, to) starting on Mondays, the last one holding today. */
  function statsWindow(weeks) {
    const now = new Date();
    const monday = new Date(now.getFullYear(), now.getMonth(), now.getDate());
    monday.setDate(monday.getDate() - ((monday.getDay() + 6) % 7));
    const list = [];
    for (let i = weeks - 1; i >= 0; i--) {
      const from = new Date(monday);
      from.setDate(from.getDate() - 7 * i);
      const to = new Date(from);
      to.setDate(to.getDate() + 7);
      list.push({ from, to, label: `${pad(from.getMonth() + 1)}/${pad(from.getDate())}` });
    }
    return { weeks: list, from: list[0].from, to: list[list.length - 1].to, now };
  }

  async function loadStats(body, live, win) {
    const area = statsPrefs.area;
    try {
      const statsFor = (from, to) => api('GET', `/areas/${area}/stats`, { query: { from: from.toISOString(), to: to.toISOString() } });
      const [total, ...weekly] = await mapLimit([{ from: win.from, to: win.to }, ...win.weeks], 4, (w) => statsFor(w.from, w.to));
      if (!live()) return;
      body.replaceChildren(
        kpis(total),
        h('div', { class: 'chart-grid' },
          chartCard('状态分布', '窗口内提交的心愿按当前状态', 'chart-status', statusChart(total.by_status)),
          chartCard('服务清单分布', '已分类的心愿', 'chart-list', listChart(total.by_list))),
        chartCard('每周提交与完成', '提交:当周提交的心愿;完成:当周完成的心愿', 'chart-weekly',
          groupedBarChart(win.weeks.map((w) => w.label), [
            { name: '提交', color: '#2563eb', values: weekly.map((x) => x.submitted) },
            { name: '完成', color: '#15803d', values: weekly.map((x) => x.completed) },
          ])),
        chartCard('每周认领用时(中位数)', '当周提交的心愿从审核通过到被认领的小时数', 'chart-claim',
          lineChart(win.weeks.map((w) => w.label), weekly.map((x) => x.median_hours_to_claim), '小时')));
    } catch (err) {
      if (live()) body.replaceChildren(errorBox(err, () => loadStats(body, live, win)));
    }
  }

  function kpis(st) {
    const rate = st.completion_rate === null || st.completion_rate === undefined ? '—' : `${(st.completion_rate * 100).toFixed(1)}%`;
    const items = [
      ['提交心愿', st.submitted, '件', 'kpi-submitted'],
      ['已完成', st.completed, '件', 'kpi-completed'],
      ['完成率', rate, '', 'kpi-rate'],
      ['审核用时中位数', fmtHours(st.median_hours_to_review), '', 'kpi-review'],
      ['认领用时中位数', fmtHours(st.median_hours_to_claim), '', 'kpi-claim'],
      ['完成用时中位数', fmtHours(st.median_hours_to_complete), '', 'kpi-complete'],
    ];
    return h('div', { class: 'kpis', 'data-testid': 'kpis' }, items.map(([label, value, unit, testid]) =>
      h('div', { class: 'kpi', 'data-testid': testid },
        h('span', { class: 'kpi-label' }, label),
        h('span', { class: 'kpi-value' }, String(value), unit ? h('small', null, ` ${unit}`) : null))));
  }

  function chartCard(title, subtitle, testid, chart) {
    return h('section', { class: 'card chart-card', 'data-testid': testid },
      h('div', { class: 'card-head' }, h('h3', { class: 'card-title' }, title), h('span', { class: 'muted small' }, subtitle)),
      chart);
  }

  /** Horizontal bars, one per status. */
  function statusChart(byStatus) {
    const rows = STATUS_ORDER.map((k) => ({ label: STATUS_LABELS[k], value: byStatus[k] || 0, color: STATUS_COLORS[k], key: k }));
    return horizontalBars(rows, '状态分布');
  }

  function listChart(byList) {
    const colors = { public: '#2563eb', social: '#d97706', volunteer: '#e11d48' };
    const rows = Object.keys(LIST_LABELS).map((k) => ({ label: LIST_LABELS[k], value: byList[k] || 0, color: colors[k], key: k }));
    return donutChart(rows, '服务清单分布');
  }

  /** A ring of stroked circle segments with a legend beside it. */
  function donutChart(rows, title) {
    const total = rows.reduce((a, r) => a + r.value, 0);
    const r = 64;
    const circ = 100; // pathLength: segment lengths are percentages of the ring
    const svg = s('svg', { viewBox: '0 0 400 190', class: 'chart', role: 'img', 'aria-label': `${title}:${rows.map((x) => `${x.label} ${x.value}`).join(',')}` },
      s('circle', { cx: 96, cy: 95, r, fill: 'none', stroke: '#f1f4f8', 'stroke-width': 26 }));
    if (!total) svg.lastChild.setAttribute('stroke', '#e5e9f0');
    let offset = 0;
    for (const row of rows) {
      if (!row.value) continue;
      const len = (row.value / total) * circ;
      // Segments start at twelve o'clock and run clockwise.
      svg.append(s('circle', {
        cx: 96, cy: 95, r, fill: 'none', stroke: row.color, 'stroke-width': 26, class: 'slice', 'data-key': row.key, 'data-value': row.value, pathLength: circ,
        'stroke-dasharray': `${len} ${circ - len}`, 'stroke-dashoffset': -offset, transform: 'rotate(-90 96 95)',
      }, s('title', null, `${row.label}:${row.value}`)));
      offset += len;
    }
    svg.append(
      s('text', { x: 96, y: 92, 'text-anchor': 'middle', class: 'donut-total' }, total),
      s('text', { x: 96, y: 112, 'text-anchor': 'middle', class: 'axis-label' }, '已分类'));
    rows.forEach((row, i) => {
      const y = 58 + i * 34;
      const pct = total ? `${((row.value / total) * 100).toFixed(1)}%` : '—';
      svg.append(
        s('rect', { x: 200, y: y - 11, width: 12, height: 12, rx: 2, fill: row.color }),
        s('text', { x: 220, y, class: 'legend-label' }, row.label),
        s('text', { x: 390, y, 'text-anchor': 'end', class: 'value-label' }, `${row.value} 件 · ${pct}`));
    });
    return svg;
  }

  function horizontalBars(rows, title) {
    const width = 520;
    const rowH = 26;
    const left = 72;
    const right = 48;
    const height = rows.length * rowH + 8;
    const max = Math.max(1, ...rows.map((r) => r.value));
    const total = rows.reduce((a, r) => a + r.value, 0);
    const svg = s('svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart', role: 'img', 'aria-label': `${title}:${rows.map((r) => `${r.label} ${r.value}`).join(',')}` });
    rows.forEach((r, i) => {
      const y = 4 + i * rowH;
      const w = Math.round(((width - left - right) * r.value) / max);
      svg.append(
        s('text', { x: left - 8, y: y + rowH / 2 + 4, 'text-anchor': 'end', class: 'axis-label' }, r.label),
        s('rect', { x: left, y: y + 4, width: width - left - right, height: rowH - 8, fill: '#f1f4f8', rx: 3 }),
        s('rect', { x: left, y: y + 4, width: Math.max(r.value ? 2 : 0, w), height: rowH - 8, fill: r.color, rx: 3, class: 'bar', 'data-key': r.key, 'data-value': r.value },
          s('title', null, `${r.label}:${r.value}${total ? `(${((r.value / total) * 100).toFixed(1)}%)` : ''}`)),
        s('text', { x: left + Math.max(w, 0) + 6, y: y + rowH / 2 + 4, class: 'value-label' }, r.value));
    });
    return svg;
  }

  /** Chart frame: y scale, grid lines and x labels shared by the weekly charts. */
  function chartFrame(labels, max, unit) {
    const dims = { width: 960, height: 260, left: 48, right: 16, top: 28, bottom: 32 };
    dims.plotW = dims.width - dims.left - dims.right;
    dims.plotH = dims.height - dims.top - dims.bottom;
    dims.band = dims.plotW / labels.length;
    // Leave headroom above the highest value for its label and the legend.
    const step = niceStep(max * 1.15);
    dims.max = Math.max(step, Math.ceil((max * 1.15) / step) * step);
    dims.y = (v) => dims.top + dims.plotH - (v / dims.max) * dims.plotH;
    const svg = s('svg', { viewBox: `0 0 ${dims.width} ${dims.height}`, class: 'chart chart-wide', role: 'img' });
    for (let v = 0; v <= dims.max + 1e-9; v += step) {
      svg.append(
        s('line', { x1: dims.left, x2: dims.width - dims.right, y1: dims.y(v), y2: dims.y(v), class: v === 0 ? 'axis' : 'grid' }),
        s('text', { x: dims.left - 6, y: dims.y(v) + 4, 'text-anchor': 'end', class: 'axis-label' }, fmtTick(v)));
    }
    if (unit) svg.append(s('text', { x: dims.left - 6, y: dims.top - 12, 'text-anchor': 'end', class: 'axis-label' }, unit));
    labels.forEach((label, i) => {
      svg.append(s('text', { x: dims.left + dims.band * (i + 0.5), y: dims.height - 10, 'text-anchor': 'middle', class: 'axis-label' }, label));
    });
    return { svg, dims };
  }

  function niceStep(max) {
    if (max <= 5) return 1;
    const raw = max / 5;
    const mag = 10 ** Math.floor(Math.log10(raw));
    const n = raw / mag;
    return (n <= 1 ? 1 : n <= 2 ? 2 : n <= 5 ? 5 : 10) * mag;
  }

  function fmtTick(v) {
    return Number.isInteger(v) ? String(v) : v.toFixed(1);
  }

  function legend(svg, dims, series) {
    let x = dims.width - dims.right;
    for (const sr of [...series].reverse()) {
      x -= 64;
      svg.append(
        s('rect', { x, y: 6, width: 12, height: 12, rx: 2, fill: sr.color }),
        s('text', { x: x + 18, y: 16, class: 'legend-label' }, sr.name));
    }
  }

  /** Grouped vertical bars: one group per week, one bar per series. */
  function groupedBarChart(labels, series) {
    const max = Math.max(1, ...series.flatMap((sr) => sr.values));
    const { svg, dims } = chartFrame(labels, max, '件');
    const inner = dims.band * 0.7;
    const barW = inner / series.length;
    labels.forEach((label, i) => {
      series.forEach((sr, j) => {
        const v = sr.values[i] || 0;
        const x = dims.left + dims.band * i + (dims.band - inner) / 2 + j * barW;
        const y = dims.y(v);
        svg.append(s('rect', { x: x + 1, y, width: barW - 2, height: dims.top + dims.plotH - y, fill: sr.color, rx: 2, class: 'bar', 'data-series': sr.name, 'data-value': v },
          s('title', null, `${label} 周 ${sr.name}:${v} 件`)));
        if (v) svg.append(s('text', { x: x + barW / 2, y: y - 4, 'text-anchor': 'middle', class: 'value-label small' }, v));
      });
    });
    legend(svg, dims, series);
    svg.setAttribute('aria-label', `每周提交与完成:${labels.map((l, i) => `${l} 提交 ${series[0].values[i]} 完成 ${series[1].values[i]}`).join(';')}`);
    return svg;
  }

  /** A line with points; weeks without data (null) break the line. */
  function lineChart(labels, values, unit) {
    const max = Math.max(1, ...values.filter((v) => v !== null && v !== undefined));
    const { svg, dims } = chartFrame(labels, max, unit);
    const x = (i) => dims.left + dims.band * (i + 0.5);
    let path = '';
    let pen = false;
    values.forEach((v, i) => {
      if (v === null || v === undefined) { pen = false; return; }
      path += `${pen ? 'L' : 'M'}${x(i).toFixed(1)} ${dims.y(v).toFixed(1)} `;
      pen = true;
    });
    if (path) svg.append(s('path', { d: path.trim(), fill: 'none', stroke: '#7c3aed', 'stroke-width': 2.5, 'stroke-linejoin': 'round', class: 'line' }));
    values.forEach((v, i) => {
      if (v === null || v === undefined) {
        svg.append(s('text', { x: x(i), y: dims.top + dims.plotH - 6, 'text-anchor': 'middle', class: 'axis-label muted-label' }, '无'));
        return;
      }
      svg.append(
        s('circle', { cx: x(i), cy: dims.y(v), r: 4.5, fill: '#fff', stroke: '#7c3aed', 'stroke-width': 2, class: 'point', 'data-value': v.toFixed(1) },
          s('title', null, `${labels[i]} 周:${v.toFixed(1)} ${unit}`)),
        s('text', { x: x(i), y: dims.y(v) - 10, 'text-anchor': 'middle', class: 'value-label small' }, v.toFixed(1)));
    });
    legend(svg, dims, [{ name: '中位数', color: '#7c3aed' }]);
    svg.setAttribute('aria-label', `每周认领用时中位数(${unit}):${labels.map((l, i) => `${l} ${values[i] === null ? '无' : values[i].toFixed(1)}`).join(';')}`);
    return svg;
  }

  /** Fetches the CSV with the token and saves it through an object URL. */
  async function exportCsv(btn, win) {
    btn.disabled = true;
    const label = btn.textContent;
    btn.textContent = '正在导出…';
    try {
      const area = ctx.areas.get(statsPrefs.area);
      const res = await api('GET', `/areas/${statsPrefs.area}/wishes.csv`, {
        raw: true, headers: { Accept: 'text/csv' },
        query: { from: win.from.toISOString(), to: win.to.toISOString() },
      });
      const blob = await res.blob();
      const url = URL.createObjectURL(blob);
      const a = h('a', { href: url, download: `微心愿-${area ? area.name : statsPrefs.area}-${fmtDate(win.from)}至${fmtDate(win.now)}.csv`, hidden: true });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
      toast('success', '导出完成', `已下载 ${(blob.size / 1024).toFixed(1)} KB`);
    } catch (err) {
      toastError(err, '导出失败');
    } finally {
      btn.disabled = false;
      btn.textContent = label;
    }
  }

  // ---------------------------------------------------------------------------
  // Router, keyboard and shell
  // ---------------------------------------------------------------------------

  const ROUTES = {
    queue: renderQueue,
    active: renderActive,
    wish: renderWish,
    registrations: renderRegistrations,
    partners: renderPartners,
    stats: renderStats,
  };

  let current = { handlers: {}, generation: 0 };

  function route() {
    if (!ctx.me) return;
    const [name, param] = location.hash.replace(/^#\/?/, '').split('/');
    const render = ROUTES[name];
    if (!render) { location.replace('#/queue'); return; }
    const generation = current.generation + 1;
    const live = () => current.generation === generation;
    for (const a of $$('.sidenav a')) {
      const on = a.dataset.nav === name;
      a.classList.toggle('active', on);
      if (on) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
    }
    const view = $('#view');
    current = { handlers: {}, generation };
    current.handlers = render(view, live, param) || {};
    // Move focus into the new view so the next Tab starts there, as a page load would.
    if (!view.contains(document.activeElement)) view.focus({ preventScroll: true });
    document.title = `${$('[data-testid="page-title"]', view)?.textContent || '心愿详情'} · 微心愿社区工作台`;
  }

  /** Renders the current view afresh (after a filter change or a refresh). */
  function rerender() {
    route();
  }

  function isTyping(target) {
    return target instanceof HTMLElement && (target.isContentEditable || target.matches('input, textarea, select'));
  }

  function onGlobalKey(e) {
    if (!ctx.me || e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return;
    if (document.querySelector('dialog[open]') || isTyping(e.target)) return;
    if (e.key === '?') { e.preventDefault(); helpDialog(); return; }
    const nav = ['queue', 'active', 'registrations', 'partners', 'stats'][Number(e.key) - 1];
    if (nav) { e.preventDefault(); location.hash = `#/${nav}`; return; }
    if (current.handlers.onKey && current.handlers.onKey(e)) e.preventDefault();
  }

  function helpDialog() {
    const rows = [
      ['J / ↓', '下一条'], ['K / ↑', '上一条'], ['Enter', '转到操作按钮'], ['A', '审核通过'], ['R', '退回修改'],
      ['X', '审核不通过'], ['D', '派给首选服务方'], ['C', '取消心愿'], ['L', '释放认领'], ['T', '查看时间线'],
      ['1 – 5', '切换栏目'], ['Tab', '在控件间移动'], ['Esc', '关闭对话框'],
    ];
    const dialog = h('dialog', { class: 'dialog', 'data-testid': 'help-dialog', 'aria-labelledby': 'help-title' },
      h('div', { class: 'dialog-head' }, h('h3', { id: 'help-title' }, '键盘快捷键')),
      h('table', { class: 'table table-compact help-table' }, h('tbody', null, rows.map(([k, v]) => h('tr', null, h('td', null, h('kbd', null, k)), h('td', null, v))))),
      h('div', { class: 'dialog-actions' }, h('button', { type: 'button', class: 'btn btn-primary', autofocus: true, onclick: () => dialog.close() }, '知道了')));
    dialog.addEventListener('close', () => dialog.remove());
    document.body.append(dialog);
    dialog.showModal();
  }

  function showLogin(message) {
    ctx.me = null;
    $('#shell').hidden = true;
    $('#login-screen').hidden = false;
    $('#view').replaceChildren();
    const err = $('#login-error');
    err.hidden = !message;
    err.textContent = message || '';
    $('#login-phone').focus();
  }

  /** The refresh token was refused (expired, revoked or reused): back to sign-in. */
  function onSessionLost() {
    if (ctx.me) toast('error', '登录已失效', '请重新登录');
    showLogin('登录已失效,请重新登录');
  }

  async function startConsole() {
    $('#login-screen').hidden = true;
    $('#shell').hidden = false;
    $('#view').replaceChildren(loading('正在载入工作台…'));
    try {
      await loadContext();
    } catch (err) {
      if (err.silent) return;
      $('#view').replaceChildren(errorBox(err, startConsole));
      return;
    }
    $('#user-name').textContent = ctx.me.display_name;
    $('#user-area').textContent = ctx.staffAreas.map((a) => a.name).join('、') || (ctx.me.is_admin ? '管理员' : '');
    $('#user-area').hidden = !$('#user-area').textContent;
    $('.sidenav').hidden = !ctx.communities.length;
    if (!ctx.communities.length) {
      $('#view').replaceChildren(emptyState('您的账号没有负责的社区', '工作台仅供社区、街道工作人员使用;请联系管理员把您加为区域工作人员。'));
      return;
    }
    refreshCounts();
    if (!location.hash || location.hash === '#') location.replace('#/queue');
    route();
  }

  async function onLogin(e) {
    e.preventDefault();
    const phone = $('#login-phone').value.trim();
    const password = $('#login-password').value;
    const err = $('#login-error');
    if (!phone || !password) { err.textContent = '请输入手机号和密码'; err.hidden = false; return; }
    const btn = $('[data-testid="login-submit"]');
    btn.disabled = true;
    btn.textContent = '正在登录…';
    try {
      const res = await rawFetch('POST', '/api/v1/auth/login', { phone, password });
      if (!res.ok) throw await problemFrom(res);
      session.store(await res.json());
      $('#login-password').value = '';
      err.hidden = true;
      await startConsole();
    } catch (ex) {
      err.textContent = ex.userMessage ? ex.userMessage() : String(ex);
      err.hidden = false;
    } finally {
      btn.disabled = false;
      btn.textContent = '登录';
    }
  }

  async function onLogout() {
    const refresh = session.refresh;
    session.clear();
    if (refresh) {
      try { await rawFetch('POST', '/api/v1/auth/logout', { refresh_token: refresh }); } catch { /* signed out locally anyway */ }
    }
    history.replaceState(null, '', location.pathname);
    showLogin();
    toast('info', '已退出登录');
  }

  function boot() {
    $('#login-form').addEventListener('submit', onLogin);
    $('#logout-btn').addEventListener('click', onLogout);
    window.addEventListener('hashchange', route);
    document.addEventListener('keydown', onGlobalKey);
    if (session.load()) {
      session.schedule();
      startConsole();
    } else {
      showLogin();
    }
  }

  boot();
})();
