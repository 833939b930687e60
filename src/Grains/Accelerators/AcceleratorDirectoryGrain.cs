using ControlPlane.Grains.Directories;
using ControlPlane.Grains.Fleet;

namespace ControlPlane.Grains.Accelerators;

/// <summary>Keeps one shard of the accelerator directory, durably.</summary>
public sealed class AcceleratorDirectoryGrain(
    [PersistentState("accelerator-directory", FleetStorage.Name)] IPersistentState<SortedSet<string>> ids) : NameDirectoryGrain(ids), IAcceleratorDirectoryGrain;
