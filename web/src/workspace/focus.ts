// Puts the focus on the first field of a dialog once it has opened. Ant Design's Modal moves
// the focus to its own frame when it opens, after the fields mount, so `autoFocus` on a field
// does not stick; `afterOpenChange` runs after that.
export function focusFirstField(root: HTMLElement | null): void {
  if (!root) {
    return;
  }
  const fields = root.querySelectorAll<HTMLElement>(
    "input:not([type=hidden]):not([disabled]), textarea:not([disabled]), button.ant-radio-button-wrapper",
  );
  for (const field of Array.from(fields)) {
    if (field.offsetParent !== null && !field.closest(".ant-picker-dropdown")) {
      field.focus();
      return;
    }
  }
}
