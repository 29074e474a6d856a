/** A 400 message in the real API's style: `* GenerateContentRequest.<field>: <message>`. */
export function fail(field: string, message: string): string {
  return `* GenerateContentRequest.${field}: ${message}\n`;
}
