package io.seedflow.jobs.embedded;

import java.nio.file.Path;
import java.util.function.Supplier;

/** What every {@link DemoDataset} states about itself: name, description, model id, recipe, default data folder. */
abstract class NamedDemoDataset implements DemoDataset {
    private final String name;
    private final String description;
    private final String modelId;
    private final DemoRecipe recipe;
    private final Supplier<Path> defaultDataDir;

    NamedDemoDataset(String name, String description, String modelId, DemoRecipe recipe,
            Supplier<Path> defaultDataDir) {
        this.name = name;
        this.description = description;
        this.modelId = modelId;
        this.recipe = recipe;
        this.defaultDataDir = defaultDataDir;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public String modelId() {
        return modelId;
    }

    @Override
    public DemoRecipe recipe() {
        return recipe;
    }

    @Override
    public Path defaultDataDir() {
        return defaultDataDir.get();
    }
}
