// Light, dark, or following the system (the default): a data attribute on <html> that the
// stylesheet's color-scheme reads.
export function applyTheme(theme: string | null) {
  if (theme === "light" || theme === "dark") document.documentElement.dataset.theme = theme;
  else delete document.documentElement.dataset.theme;
}
