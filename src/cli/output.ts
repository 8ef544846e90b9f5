/** Where a command's result goes: JSON exactly as the API returned it, or readable text. */
export interface Output {
  json: boolean;
  print(text: string): void;
}

export function emit(out: Output, data: unknown, readable: () => string): void {
  out.print(out.json ? JSON.stringify(data, null, 2) : readable());
}
