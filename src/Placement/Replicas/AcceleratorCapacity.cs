using ControlPlane.Placement.Hardware;

namespace ControlPlane.Placement.Replicas;

/// <summary>One accelerator as replica placement sees it: what it is, where, and how much is free.</summary>
/// <param name="AcceleratorId">The accelerator's id.</param>
/// <param name="Sku">Its hardware.</param>
/// <param name="Zone">Failure domain: region/zone.</param>
/// <param name="Rack">Failure domain below the zone.</param>
/// <param name="Devices">Wafers (1) or GPUs it has.</param>
/// <param name="FreeDevices">Devices no replica holds yet.</param>
/// <param name="Schedulable">Active and not cordoned, draining or lost.</param>
public sealed record AcceleratorCapacity(
    string AcceleratorId,
    HardwareSku Sku,
    string Zone,
    string Rack,
    int Devices,
    int FreeDevices,
    bool Schedulable);
