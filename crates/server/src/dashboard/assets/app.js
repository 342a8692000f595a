// idverify dashboard: a little progressive enhancement, nothing the pages need to work.
'use strict';
document.addEventListener('DOMContentLoaded', () => {
  // The decision form offers only the reasons that fit the chosen decision.
  const form = document.getElementById('decide-form');
  if (form) {
    const select = form.querySelector('select[name=reason]');
    const groups = select ? select.querySelectorAll('optgroup') : [];
    const sync = () => {
      const choice = form.querySelector('input[name=decision]:checked');
      groups.forEach((g) => {
        const wanted = !choice || g.label.toLowerCase() === (choice.value === 'approved' ? 'approve' : 'decline');
        g.disabled = !wanted;
      });
      if (select && select.selectedOptions.length && select.selectedOptions[0].parentElement.disabled) {
        select.value = '';
      }
    };
    form.querySelectorAll('input[name=decision]').forEach((r) => r.addEventListener('change', sync));
    sync();
  }
  // Destructive buttons ask first.
  document.querySelectorAll('button.danger').forEach((b) => {
    b.addEventListener('click', (e) => {
      if (!window.confirm(b.textContent.trim() + '?')) e.preventDefault();
    });
  });
});
