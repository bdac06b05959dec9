/** Where secrets live: Secrets Manager in AWS, a test double in tests. Values never leave adapters. */
export interface SecretSource {
  /** The secret's string value; throws when it cannot be read. */
  getSecretString(secretId: string): Promise<string>;
}
