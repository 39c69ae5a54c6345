package policykg.services;

import java.util.List;

import org.apache.lucene.analysis.core.KeywordTokenizer;
import org.apache.lucene.analysis.core.WhitespaceTokenizer;
import org.elasticsearch.index.analysis.PreConfiguredTokenizer;
import org.elasticsearch.plugins.AnalysisPlugin;
import org.elasticsearch.plugins.Plugin;

/**
 * The {@code whitespace} and {@code keyword} tokenizers for custom analyzers.
 *
 * <p>In a real Elasticsearch they come from the analysis-common module, which is not published on
 * Maven Central. The server jar alone has the built-in {@code whitespace}/{@code simple}/
 * {@code standard}/{@code keyword}/{@code stop} analyzers, the {@code standard} tokenizer and the
 * {@code lowercase} filter, but not these two tokenizers. Same names and Lucene classes as
 * analysis-common, so index settings written against this node work unchanged on a real cluster.
 */
public class BasicTokenizersPlugin extends Plugin implements AnalysisPlugin {

    @Override
    public List<PreConfiguredTokenizer> getPreConfiguredTokenizers() {
        return List.of(
                PreConfiguredTokenizer.singleton("whitespace", WhitespaceTokenizer::new),
                PreConfiguredTokenizer.singleton("keyword", KeywordTokenizer::new));
    }
}
