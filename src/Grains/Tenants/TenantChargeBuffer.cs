using System.Collections.Concurrent;
using ControlPlane.Grains.Routing;
using ControlPlane.Placement.Hardware;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ControlPlane.Grains.Tenants;

/// <summary>
/// Sums the token charges of this silo's completions per tenant, plan and pool, and sends each sum to the
/// tenant's grain at most every <see cref="LimitOptions.ChargeFlushInterval"/>, so a completion costs
/// no message of its own. A charge that matters at once (it uses a pool up) is sent at once with
/// <see cref="SendNow"/>. A silo service, registered as a singleton; it flushes when the silo stops.
/// </summary>
public sealed partial class TenantChargeBuffer(IGrainFactory grains, IOptions<LimitOptions> options, TimeProvider time, ILogger<TenantChargeBuffer> logger)
    : ILifecycleParticipant<ISiloLifecycle>
{
    private readonly ConcurrentDictionary<(string Tenant, string Plan, HardwareClass Class), long> _pending = new();
    private ITimer? _timer;

    /// <summary>Tokens charged to the tenant for the pool on this silo and not yet sent to its grain.</summary>
    public long Pending(string tenantId, string plan, HardwareClass hardwareClass) => _pending.GetValueOrDefault((tenantId, plan, hardwareClass));

    /// <summary>Adds <paramref name="tokens"/> to the tenant's pending charge for the pool.</summary>
    public void Add(string tenantId, string plan, HardwareClass hardwareClass, long tokens) =>
        _pending.AddOrUpdate((tenantId, plan, hardwareClass), tokens, (_, sum) => sum + tokens);

    /// <summary>Sends the tenant's pending charge for the pool now (one-way), instead of at the next flush.</summary>
    public void SendNow(string tenantId, string plan, HardwareClass hardwareClass) => Send((tenantId, plan, hardwareClass));

    /// <summary>Sends every pending charge now (one-way).</summary>
    public void Flush()
    {
        foreach (var key in _pending.Keys)
        {
            Send(key);
        }
    }

    /// <inheritdoc />
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(TenantChargeBuffer), ServiceLifecycleStage.Active, Start, Stop);

    private Task Start(CancellationToken cancellationToken)
    {
        var interval = options.Value.ChargeFlushInterval;
        _timer = time.CreateTimer(_ => Flush(), null, interval, interval);
        return Task.CompletedTask;
    }

    // Before grains deactivate, so what this silo metered reaches the tenants' grains.
    private async Task Stop(CancellationToken cancellationToken)
    {
        if (_timer is not null)
        {
            await _timer.DisposeAsync();
        }

        Flush();
    }

    private void Send((string Tenant, string Plan, HardwareClass Class) key)
    {
        // Taking the sum out first means a charge added meanwhile waits for the next send; none is lost or sent twice.
        if (!_pending.TryRemove(key, out var tokens) || tokens <= 0)
        {
            return;
        }

        try
        {
            _ = grains.GetGrain<ITenantBudgetGrain>(key.Tenant).ChargeAsync(key.Plan, key.Class, tokens);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Not sent (the silo may be stopping): keep the sum for the next flush rather than lose it, and
            // never let a timer callback throw.
            Add(key.Tenant, key.Plan, key.Class, tokens);
            LogChargeNotSent(logger, ex, key.Tenant, tokens);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Charge of {Tokens} tokens to tenant {TenantId} not sent; kept for the next flush")]
    private static partial void LogChargeNotSent(ILogger logger, Exception exception, string tenantId, long tokens);
}
