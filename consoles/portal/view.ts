/** One screen of the portal: built once, so what the citizen typed survives moving between screens. */
export interface View {
  element: HTMLElement;
  /** Called each time the screen is shown, with what the address says after the screen's name (`#/follow/<number>`). */
  open?(argument: string | null): void;
  /** Moves the focus to the screen's heading, so screen readers announce the new screen. */
  focus(): void;
  /** Re-words what is drawn from data after a language switch (`data-i18n` text is re-worded by the page). */
  relabel(): void;
}
