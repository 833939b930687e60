using ControlPlane.Grains.Accelerators;
using ControlPlane.Placement.Hardware;
using Google.Protobuf.WellKnownTypes;
using V1 = ControlPlane.Contracts.V1;

namespace ControlPlane.Silos.Contracts;

/// <summary>Maps between the wire contract (controlplane.v1) and the grains' domain types.</summary>
public static class ContractMapping
{
    /// <summary>Domain hardware class of a wire value; null for UNSPECIFIED or unknown numbers.</summary>
    public static HardwareClass? ToDomain(V1.HardwareClass value) => value switch
    {
        V1.HardwareClass.WaferScale => HardwareClass.WaferScale,
        V1.HardwareClass.Gpu => HardwareClass.Gpu,
        _ => null,
    };

    /// <summary>Wire hardware class of a domain value.</summary>
    public static V1.HardwareClass ToContract(HardwareClass value) => value switch
    {
        HardwareClass.WaferScale => V1.HardwareClass.WaferScale,
        HardwareClass.Gpu => V1.HardwareClass.Gpu,
        _ => V1.HardwareClass.Unspecified,
    };

    /// <summary>Domain state of a wire value; null for UNSPECIFIED or unknown numbers.</summary>
    public static AcceleratorState? ToDomain(V1.AcceleratorState value) => value switch
    {
        V1.AcceleratorState.Registering => AcceleratorState.Registering,
        V1.AcceleratorState.Active => AcceleratorState.Active,
        V1.AcceleratorState.Lost => AcceleratorState.Lost,
        V1.AcceleratorState.Cordoned => AcceleratorState.Cordoned,
        V1.AcceleratorState.Draining => AcceleratorState.Draining,
        V1.AcceleratorState.Drained => AcceleratorState.Drained,
        V1.AcceleratorState.Decommissioned => AcceleratorState.Decommissioned,
        _ => null,
    };

    /// <summary>Wire state of a domain value.</summary>
    public static V1.AcceleratorState ToContract(AcceleratorState value) => value switch
    {
        AcceleratorState.Registering => V1.AcceleratorState.Registering,
        AcceleratorState.Active => V1.AcceleratorState.Active,
        AcceleratorState.Lost => V1.AcceleratorState.Lost,
        AcceleratorState.Cordoned => V1.AcceleratorState.Cordoned,
        AcceleratorState.Draining => V1.AcceleratorState.Draining,
        AcceleratorState.Drained => V1.AcceleratorState.Drained,
        AcceleratorState.Decommissioned => V1.AcceleratorState.Decommissioned,
        _ => V1.AcceleratorState.Unspecified,
    };

    /// <summary>Domain health of a wire value; null for unknown numbers.</summary>
    public static HealthStatus? ToDomain(V1.HealthStatus value) => value switch
    {
        V1.HealthStatus.Unspecified => HealthStatus.Unknown,
        V1.HealthStatus.Healthy => HealthStatus.Healthy,
        V1.HealthStatus.Degraded => HealthStatus.Degraded,
        V1.HealthStatus.Unhealthy => HealthStatus.Unhealthy,
        _ => null,
    };

    /// <summary>The wire form of an accelerator view.</summary>
    public static V1.Accelerator ToContract(AcceleratorView view)
    {
        var r = view.Registration;
        var accelerator = new V1.Accelerator
        {
            AcceleratorId = r.AcceleratorId,
            NodeId = r.NodeId,
            HardwareClass = ToContract(r.HardwareClass),
            Sku = r.Sku,
            MemoryKind = r.MemoryKind == MemoryKind.Sram ? V1.MemoryKind.Sram : V1.MemoryKind.Hbm,
            MemoryBytes = r.MemoryBytes,
            MemoryBandwidthBytesPerSecond = r.MemoryBandwidthBytesPerSecond,
            GpuCount = r.Gpus.Count,
            MemoryBytesPerGpu = r.Gpus.Count == 0 ? 0 : r.Gpus[0].MemoryBytes,
            Location = new V1.Location { Region = r.Location.Region, Zone = r.Location.Zone, Rack = r.Location.Rack },
            Pool = r.Pool,
            State = ToContract(view.State),
            StateReason = view.StateReason,
            Telemetry = new V1.AcceleratorTelemetry
            {
                Utilization = view.Telemetry.Utilization,
                ActiveStreams = view.Telemetry.ActiveStreams,
                FreeMemoryBytes = view.Telemetry.FreeMemoryBytes,
                TokensPerSecond = view.Telemetry.TokensPerSecond,
                Health = (V1.HealthStatus)(int)view.Telemetry.Health,
                TemperatureCelsius = view.Telemetry.TemperatureCelsius,
                PowerWatts = view.Telemetry.PowerWatts,
            },
            RegisteredTime = Timestamp.FromDateTimeOffset(view.RegisteredAt),
            StateChangeTime = Timestamp.FromDateTimeOffset(view.StateChangedAt),
        };
        accelerator.Gpus.AddRange(r.Gpus.Select(g => new V1.GpuDevice { Index = g.Index, Uuid = g.Uuid, Name = g.Name, MemoryBytes = g.MemoryBytes }));
        accelerator.Replicas.AddRange(view.Replicas.Select(h => new V1.HostedReplica
        {
            ReplicaId = h.ReplicaId, Deployment = h.Deployment, Devices = h.Devices, Slots = h.Slots, ReservedSlots = h.ActiveStreams, Primary = h.IsPrimary,
            QueueDepth = h.QueueDepth, KvUtilization = h.KvUtilization, Held = h.Held, HoldReason = h.HoldReason,
        }));
        if (view.Drain is { } drain)
        {
            accelerator.Drain = new V1.DrainStatus
            {
                Reason = drain.Reason,
                RequestedBy = drain.RequestedBy,
                StartTime = Timestamp.FromDateTimeOffset(drain.StartedAt),
                Force = drain.Force,
                RemainingPlacements = drain.RemainingPlacements,
                RemainingStreams = drain.RemainingStreams,
                WaitingFor = { drain.WaitingFor },
                CutPlacements = drain.CutPlacements,
            };
            if (drain.Deadline is { } deadline)
            {
                accelerator.Drain.Deadline = Timestamp.FromDateTimeOffset(deadline);
            }

            if (drain.CompletedAt is { } completed)
            {
                accelerator.Drain.CompleteTime = Timestamp.FromDateTimeOffset(completed);
            }
        }
        if (view.LastHeartbeatAt is { } heartbeat)
        {
            accelerator.LastHeartbeatTime = Timestamp.FromDateTimeOffset(heartbeat);
        }

        if (view.LeaseExpiresAt is { } lease)
        {
            accelerator.LeaseExpireTime = Timestamp.FromDateTimeOffset(lease);
        }

        return accelerator;
    }
}
