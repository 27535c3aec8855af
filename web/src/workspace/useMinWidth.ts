// Whether the window is at least `px` wide, right from the first render (Ant Design's
// `Grid.useBreakpoint` answers only after mounting, so a page using it is drawn twice, first in
// its phone layout). 768 is Ant Design's `md`, 992 its `lg`.
import { useEffect, useState } from "react";

export function useMinWidth(px: number): boolean {
  const query = `(min-width: ${px}px)`;
  const [matches, setMatches] = useState(() => window.matchMedia(query).matches);
  useEffect(() => {
    const media = window.matchMedia(query);
    const update = () => setMatches(media.matches);
    update();
    media.addEventListener("change", update);
    return () => media.removeEventListener("change", update);
  }, [query]);
  return matches;
}
