import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { DetectionResult } from '../../sources/result.ts';

/**
 * Hands an accepted detection to the respond queue: the detection as the body, the source's
 * event id, the raw payload's SHA-256, its format and its sender as attributes, so `respond` records the original ones.
 */
export function respondQueueSender(client: SQSClient, queueUrl: string) {
  return async (result: DetectionResult): Promise<{ queued: string | undefined }> => {
    const sent = await client.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: JSON.stringify(result.detection),
        MessageAttributes: {
          sourceEventId: { DataType: 'String', StringValue: result.sourceEventId },
          rawSha256: { DataType: 'String', StringValue: result.rawSha256 },
          ...(result.sourceFormat
            ? { sourceFormat: { DataType: 'String', StringValue: result.sourceFormat } }
            : {}),
          ...(result.sender ? { sender: { DataType: 'String', StringValue: result.sender } } : {}),
        },
      }),
    );
    return { queued: sent.MessageId };
  };
}
