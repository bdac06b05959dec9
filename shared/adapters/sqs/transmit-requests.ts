import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { TransmitRequest, TransmitRequests } from '../../ports/ssf.ts';

/**
 * The management API's requests onto the transmit queue (`{"ssfRequest": …}` beside the bus
 * events there): `ssf-transmit` signs and delivers them, so the API needs no kms:Sign.
 */
export class SqsTransmitRequests implements TransmitRequests {
  readonly #client: SQSClient;
  readonly #queueUrl: string;

  constructor(client: SQSClient, queueUrl: string) {
    this.#client = client;
    this.#queueUrl = queueUrl;
  }

  async request(request: TransmitRequest): Promise<void> {
    await this.#client.send(
      new SendMessageCommand({
        QueueUrl: this.#queueUrl,
        MessageBody: JSON.stringify({ ssfRequest: request }),
      }),
    );
  }
}
