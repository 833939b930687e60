using System.Collections.Concurrent;
using System.Globalization;
using System.Threading.Channels;
using ControlPlane.Contracts.V1;
using Grpc.Core;

namespace ControlPlane.Contracts.Placement;

/// <summary>
/// One open <c>PlaceStream</c>: a writer that sends the queued requests, as many in one message as are
/// waiting, and a reader that hands each reply to the call waiting on its correlation id.
/// Once broken it stays broken; the client opens another.
/// </summary>
internal sealed class PlacementStreamConnection
{
    private readonly AsyncDuplexStreamingCall<PlacementStreamRequestBatch, PlacementStreamResponseBatch> _call;
    private readonly Channel<PlacementStreamRequest> _outbox;
    private readonly ConcurrentDictionary<long, TaskCompletionSource<PlacementStreamResponse>> _waiting = new();
    private readonly Task _writing;
    private readonly Task _reading;
    private RpcException? _failure;

    public PlacementStreamConnection(AsyncDuplexStreamingCall<PlacementStreamRequestBatch, PlacementStreamResponseBatch> call, int maxQueued)
    {
        _call = call;
        _outbox = Channel.CreateBounded<PlacementStreamRequest>(new BoundedChannelOptions(maxQueued) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        _reading = Task.Run(ReadAsync);
        _writing = Task.Run(WriteAsync);
    }

    /// <summary>True once the stream failed or ended; calls on it fail at once.</summary>
    public bool IsBroken => Volatile.Read(ref _failure) is not null;

    /// <summary>Sends one request and waits for its reply; throws UNAVAILABLE if the stream breaks first.</summary>
    public async Task<PlacementStreamResponse> SendAsync(PlacementStreamRequest item, long correlationId, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested(); // before anything is sent: a cancelled call places nothing
        item.CorrelationId = correlationId.ToString(CultureInfo.InvariantCulture);
        var reply = new TaskCompletionSource<PlacementStreamResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiting[correlationId] = reply;

        // Registered before this check, so a failure either sees this call or this call sees the failure.
        if (Volatile.Read(ref _failure) is { } failure)
        {
            _waiting.TryRemove(correlationId, out _);
            throw failure;
        }

        try
        {
            if (!_outbox.Writer.TryWrite(item))
            {
                await _outbox.Writer.WriteAsync(item, ct);
            }

            return await (ct.CanBeCanceled ? reply.Task.WaitAsync(ct) : reply.Task);
        }
        catch (ChannelClosedException)
        {
            _waiting.TryRemove(correlationId, out _);
            throw Volatile.Read(ref _failure) ?? Closed();
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // A reply that still comes is dropped. A Place already sent holds its slot until its lease expires.
            _waiting.TryRemove(correlationId, out _);
            throw;
        }
    }

    /// <summary>Stops taking requests, waits for the replies to those sent, then ends the call.</summary>
    public async Task CloseAsync(TimeSpan timeout)
    {
        _outbox.Writer.TryComplete();
        try
        {
            await Task.WhenAll(_writing, _reading).WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            Fail(new RpcException(new Status(StatusCode.Unavailable, $"the placement stream was closed before the silo answered, after waiting {timeout.TotalSeconds:0.#} s")));
        }
        finally
        {
            _call.Dispose();
        }
    }

    /// <summary>Drops a broken connection: its call is cancelled and disposed.</summary>
    public void Abandon()
    {
        Fail(Closed());
        _call.Dispose();
    }

    private async Task WriteAsync()
    {
        var queued = _outbox.Reader;
        try
        {
            while (await queued.WaitToReadAsync())
            {
                // Let the callers already running on this thread queue theirs first: one message and one
                // send on the socket then carry them all.
                await Task.Yield();
                var batch = new PlacementStreamRequestBatch();
                while (batch.Items.Count < PlacementStreamProtocol.MaxItemsPerBatch && queued.TryRead(out var item))
                {
                    batch.Items.Add(item);
                }

                await _call.RequestStream.WriteAsync(batch);
            }

            await _call.RequestStream.CompleteAsync();
        }
        catch (Exception ex)
        {
            // A write fails when the silo has ended the call (a refused token, a shutdown): the reader then
            // gets the call's status, which tells the callers why better than the write's own error
            // (often just "cancelled"). Give it a moment to say so; the first failure recorded wins.
            _outbox.Writer.TryComplete();
            await Task.WhenAny(_reading, Task.Delay(TimeSpan.FromSeconds(1)));
            Fail(ex);
        }
    }

    private async Task ReadAsync()
    {
        try
        {
            while (await _call.ResponseStream.MoveNext(CancellationToken.None))
            {
                foreach (var reply in _call.ResponseStream.Current.Items)
                {
                    if (long.TryParse(reply.CorrelationId, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && _waiting.TryRemove(id, out var waiter))
                    {
                        waiter.TrySetResult(reply);
                    }
                }
            }

            Fail(new RpcException(new Status(StatusCode.Unavailable, "the silo ended the placement stream")));
        }
        catch (Exception ex)
        {
            Fail(ex);
        }
    }

    private void Fail(Exception error)
    {
        var failure = error as RpcException ?? new RpcException(new Status(StatusCode.Unavailable, $"the placement stream broke: {error.Message}", error));
        Interlocked.CompareExchange(ref _failure, failure, null);
        _outbox.Writer.TryComplete();
        foreach (var id in _waiting.Keys)
        {
            if (_waiting.TryRemove(id, out var waiter))
            {
                waiter.TrySetException(_failure!);
            }
        }
    }

    private static RpcException Closed() => new(new Status(StatusCode.Unavailable, "the placement stream is closed"));
}
