/**
 * The reason of a rejected or invalid row without what is particular to that row, so that rows
 * refused for one reason group together: "no Contact with External_Id__c = 1042" and "… = 77" are one
 * reason, "no Contact with External_Id__c = {value}". The full message stays in `status_message`.
 */
export function reasonTemplate(message: string, identifier: string | null | undefined): string {
  let template = message
  if (identifier && identifier.length > 0) template = template.replaceAll(identifier, '{identifier}')
  return (
    template
      // quoted values that hold a digit or an @ are data ('cus_0042', "a@b.co"); quoted words are names
      .replace(/(["'`])([^"'`\n]*?[\d@][^"'`\n]*?)\1/g, '$1{value}$1')
      .replace(/[\w.+-]+@[\w-]+(\.[\w-]+)+/g, '{email}')
      .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '{uuid}')
      // ids mixing letters and digits (Salesforce 15/18-character ids, hashes), then plain numbers
      .replace(/\b(?=[A-Za-z0-9]*\d)(?=[A-Za-z0-9]*[A-Za-z])[A-Za-z0-9]{12,}\b/g, '{id}')
      .replace(/(?<![\w{])-?\d+(\.\d+)?(?![\w}])/g, '{value}')
  )
}
