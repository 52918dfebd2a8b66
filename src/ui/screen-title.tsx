import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';

/** The screen's heading; it takes the focus when the screen opens, for keyboard and readers. */
export function ScreenTitle({ children }: { children: ComponentChildren }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    ref.current?.focus();
  }, []);
  return (
    <h1 tabIndex={-1} ref={ref}>
      {children}
    </h1>
  );
}
