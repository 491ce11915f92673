using System.Reflection;

namespace City.Sim;

internal static class SoftwareVersion
{
    public static readonly string Value = "citysim/" +
        (typeof(SoftwareVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0");
}
