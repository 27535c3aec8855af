// A dialog holding a form with its own buttons, whose first field takes the focus once it has
// opened. Ant Design's Modal moves the focus to its own frame when it opens, after the fields
// mount, so `autoFocus` on a field does not stick; `afterOpenChange` runs after that.
import { useRef, type ReactNode } from "react";
import { Modal } from "antd";

function focusFirstField(root: HTMLElement | null): void {
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

export function FocusedModal({
  open,
  title,
  onCancel,
  onClosed,
  children,
}: {
  open: boolean;
  title: ReactNode;
  onCancel: () => void;
  /** After the closing animation, e.g. to reset a form the dialog keeps. */
  onClosed?: () => void;
  children: ReactNode;
}) {
  const body = useRef<HTMLDivElement>(null);
  return (
    <Modal
      open={open}
      title={title}
      onCancel={onCancel}
      footer={null}
      destroyOnClose
      afterOpenChange={(visible) => {
        if (visible) {
          focusFirstField(body.current);
        } else {
          onClosed?.();
        }
      }}
    >
      <div ref={body}>{children}</div>
    </Modal>
  );
}
