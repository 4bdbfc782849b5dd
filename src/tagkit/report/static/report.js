/* tagkit report page: draw the charts, sort and filter the tables, open everything for print.
   Plain JavaScript, no library, no network: the page must work from a file on an offline laptop.
   Values are only ever read with textContent and moved as DOM nodes, never written as HTML. */
(function () {
  'use strict';
  var lang = document.documentElement.lang || 'en';

  function drawCharts() {
    var specs = document.querySelectorAll('script[type="application/json"][id^="spec-"]');
    Array.prototype.forEach.call(specs, function (el) {
      var target = document.getElementById('vis-' + el.id.slice(5));
      if (!target) { return; }
      if (typeof window.vegaEmbed !== 'function') {
        target.textContent = 'Vega did not load.';
        return;
      }
      window.vegaEmbed(target, JSON.parse(el.textContent), {actions: false, renderer: 'svg', tooltip: {theme: 'light'}})
        .then(function () { target.setAttribute('data-rendered', 'true'); })
        .catch(function (err) { target.textContent = String(err); console.error(err); });
    });
  }

  function sortKey(td) {
    var raw = td.getAttribute('data-sort');
    var text = raw === null ? td.textContent.trim() : raw;
    if (text === '' || text === '\u2013' || text === 'None') { return null; }
    var n = Number(text);
    return raw !== null && !isNaN(n) ? n : text;
  }

  function compare(a, b) {
    if (typeof a === 'number' && typeof b === 'number') { return a - b; }
    return String(a).localeCompare(String(b), lang, {numeric: true});
  }

  function sortBy(table, index, th) {
    var ascending = th.getAttribute('aria-sort') !== 'ascending';
    Array.prototype.forEach.call(table.tHead.rows[0].cells, function (cell) { cell.setAttribute('aria-sort', 'none'); });
    th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
    // each table row is a tbody of its own (its first row, and the folded line under it): they move together
    var records = Array.prototype.slice.call(table.tBodies).map(function (body, i) {
      return {body: body, key: sortKey(body.rows[0].cells[index]), i: i};
    });
    records.sort(function (x, y) {
      if (x.key === null || y.key === null) {  // empty cells stay last either way
        return x.key === y.key ? x.i - y.i : (x.key === null ? 1 : -1);
      }
      var c = compare(x.key, y.key);
      return (ascending ? c : -c) || x.i - y.i;
    });
    records.forEach(function (r) { table.appendChild(r.body); });
  }

  function countRows(table) {
    var label = document.querySelector('[data-count="' + table.id + '"]');
    if (!label) { return; }
    var records = table.tBodies;
    var shown = Array.prototype.filter.call(records, function (r) { return !r.hidden; }).length;
    label.textContent = label.getAttribute('data-template').replace('{shown}', shown).replace('{total}', records.length);
  }

  function filterBy(table, query) {
    var words = query.toLowerCase().split(/\s+/).filter(Boolean);
    Array.prototype.forEach.call(table.tBodies, function (record) {
      var text = record.textContent.toLowerCase();
      record.hidden = !words.every(function (w) { return text.indexOf(w) >= 0; });
    });
    countRows(table);
  }

  function wireTables() {
    Array.prototype.forEach.call(document.querySelectorAll('table.sortable'), function (table) {
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, index) {
        th.addEventListener('click', function () { sortBy(table, index, th); });
      });
      countRows(table);
    });
    // on a phone a row is a card showing its first reason and action; a tap shows the rest
    Array.prototype.forEach.call(document.querySelectorAll('table.folds > tbody.rec'), function (record) {
      record.addEventListener('click', function (event) {
        if (event.target.closest('a, button, input')) { return; }
        record.classList.toggle('open');
      });
    });
    Array.prototype.forEach.call(document.querySelectorAll('input[data-filter]'), function (input) {
      var table = document.getElementById(input.getAttribute('data-filter'));
      if (table) { input.addEventListener('input', function () { filterBy(table, input.value); }); }
    });
  }

  // printing: open collapsed parts so the PDF holds everything the screen can show
  window.addEventListener('beforeprint', function () {
    Array.prototype.forEach.call(document.querySelectorAll('details'), function (d) { d.open = true; });
  });

  wireTables();
  drawCharts();
}());
