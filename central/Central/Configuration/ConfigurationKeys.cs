using System.Reflection;
using Microsoft.Extensions.Configuration;

namespace City.Central.Configuration;

internal static class ConfigurationKeys
{
    /// <summary>Full paths of the keys under <paramref name="section"/> that no property of <paramref name="type"/> reads.</summary>
    public static IReadOnlyList<string> FindUnknown(IConfigurationSection section, Type type)
    {
        ArgumentNullException.ThrowIfNull(section);
        ArgumentNullException.ThrowIfNull(type);
        var unknown = new List<string>();
        Walk(section, type, unknown);
        return unknown;
    }

    private static void Walk(IConfigurationSection section, Type type, List<string> unknown)
    {
        foreach (var child in section.GetChildren())
        {
            var property = type.GetProperty(child.Key, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
            if (property is null || !property.CanWrite)
            {
                unknown.Add(child.Path);
            }
            else if (IsSection(property.PropertyType))
            {
                Walk(child, property.PropertyType, unknown);
            }
        }
    }

    private static bool IsSection(Type type) =>
        type.IsClass && type != typeof(string) && !typeof(System.Collections.IEnumerable).IsAssignableFrom(type);
}
