using Microsoft.Extensions.Configuration;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace OpenMeet.AppService.Configuration;

/// <summary>Flattens a YAML document into configuration keys (<c>section:key</c>, lists by index).</summary>
public sealed class YamlConfigurationSource(string text) : IConfigurationSource
{
    public IConfigurationProvider Build(IConfigurationBuilder builder) => new Provider(text);

    private sealed class Provider(string text) : ConfigurationProvider
    {
        public override void Load()
        {
            var stream = new YamlStream();
            try
            {
                stream.Load(new StringReader(text));
            }
            catch (YamlException e)
            {
                throw new ConfigException([$"the file is not valid YAML (line {e.Start.Line}, column {e.Start.Column}): {e.InnerException?.Message ?? e.Message}"]);
            }

            Data = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            if (stream.Documents.Count == 0)
            {
                return;
            }

            if (stream.Documents[0].RootNode is not YamlMappingNode root)
            {
                throw new ConfigException(["the file must be a YAML mapping of sections (homeserver:, appservice:, ...)"]);
            }

            Visit(root, null);
        }

        private void Visit(YamlNode node, string? path)
        {
            switch (node)
            {
                case YamlMappingNode mapping:
                    foreach (var (key, value) in mapping.Children)
                    {
                        var name = ((YamlScalarNode)key).Value ?? "";
                        Visit(value, path is null ? name : $"{path}:{name}");
                    }

                    break;
                case YamlSequenceNode sequence:
                    for (var i = 0; i < sequence.Children.Count; i++)
                    {
                        Visit(sequence.Children[i], $"{path}:{i}");
                    }

                    break;
                case YamlScalarNode scalar when path is not null:
                    Data[path] = scalar.Style == ScalarStyle.Plain && scalar.Value is "~" or "null" ? "" : scalar.Value ?? "";
                    break;
            }
        }
    }
}
