import { InterceptingCall, status } from '@grpc/grpc-js';
import {
  Connection,
  defaultGrpcRetryOptions,
  makeGrpcRetryInterceptor,
  type ConnectionOptions,
} from '@temporalio/client';

type Interceptor = NonNullable<ConnectionOptions['interceptors']>[number];

/**
 * A client connection whose pending retries end quietly once it is closed. The SDK's retry interceptor
 * re-sends a call that failed with a retryable status from a timer; when a test closes the connection during
 * that backoff (a busy dev server answered RESOURCE_EXHAUSTED or UNAVAILABLE moments before), the re-sent
 * call would throw "Channel has been shut down" from the timer and fail the whole test file. Here it ends
 * as CANCELLED instead, like any call cut off by the close.
 */
export async function connectClosable(address: string): Promise<Connection> {
  const connection = lazyClosable({ address });
  await connection.ensureConnected();
  return connection;
}

/** Like {@link connectClosable}, but connects on first use (for a server that may be unreachable). */
export function lazyClosable(options: ConnectionOptions): Connection {
  let closed = false;
  const afterClose: Interceptor = (options, nextCall) => {
    if (!closed) return new InterceptingCall(nextCall(options));
    // No call below this one is made: the requester answers every method itself.
    return new InterceptingCall(undefined as never, {
      start(metadata, listener) {
        setImmediate(() =>
          listener.onReceiveStatus({ code: status.CANCELLED, details: 'connection closed', metadata }),
        );
      },
      sendMessage() {},
      halfClose() {},
      cancel() {},
    });
  };
  const connection = Connection.lazy({
    ...options,
    interceptors: [makeGrpcRetryInterceptor(defaultGrpcRetryOptions()), afterClose],
  });
  const close = connection.close.bind(connection);
  connection.close = async () => {
    closed = true;
    await close();
  };
  return connection;
}
