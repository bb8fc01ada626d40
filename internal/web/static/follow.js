// The tracking page's copy button: copies the ticket number (the clipboard API where the page
// is a secure context, else a selected text area) and says so for two seconds.
document.querySelectorAll('button[data-copy]').forEach((b) => {
  b.hidden = false;
  b.addEventListener('click', async () => {
    const text = b.dataset.copy;
    try {
      await navigator.clipboard.writeText(text);
    } catch {
      const t = document.createElement('textarea');
      t.value = text;
      t.setAttribute('readonly', '');
      t.style.position = 'fixed';
      t.style.opacity = '0';
      document.body.append(t);
      t.select();
      document.execCommand('copy');
      t.remove();
    }
    const was = b.textContent;
    b.textContent = b.dataset.copied;
    b.dataset.done = '1';
    setTimeout(() => { b.textContent = was; }, 2000);
  });
});
